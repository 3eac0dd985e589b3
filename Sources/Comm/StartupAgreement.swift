// StartupAgreement: making the ranks start identical and decide together. Rank 0's initial
// weights are broadcast; a check compares every rank's parameter checksum and resolved config
// with rank 0's; `agree(anyTrue:)` turns one rank's observation (a non-finite loss, a SIGTERM)
// into a decision every rank takes in the same step (style habit 5).
import Foundation

extension Communicator {
  /// Overwrites each buffer on every rank with rank 0's copy (initial weights, optimizer state).
  public func broadcastFromRankZero(_ buffers: [(pointer: UnsafeMutablePointer<Float>, count: Int)]) throws {
    for buffer in buffers { try broadcast(buffer.pointer, count: buffer.count, root: 0) }
  }

  /// True on every rank when `anyTrue` is true on at least one rank (a max all-reduce).
  public func agree(anyTrue: Bool) throws -> Bool {
    var flag: Double = anyTrue ? 1 : 0
    try allReduce(&flag, count: 1, op: .max)
    return flag > 0
  }

  /// Throws `CommError.stateMismatch`, the same on every rank, naming the ranks whose
  /// `checksum` or `configText` differ from rank 0's. Collective.
  public func verifySameState(checksum: UInt64, configText: String) throws {
    let sums = try allGather(Double(bitPattern: checksum)).map(\.bitPattern)
    let configs = try allGather(Array(configText.utf8))
    let badSums = sums.indices.filter { sums[$0] != sums[0] }
    if !badSums.isEmpty {
      let detail = ([0] + badSums).map { "rank \($0): \(String(sums[$0], radix: 16))" }.joined(separator: ", ")
      throw CommError.stateMismatch(what: "parameter checksum", ranks: badSums, detail: detail)
    }
    let badConfigs = configs.indices.filter { configs[$0] != configs[0] }
    if let first = badConfigs.first {
      throw CommError.stateMismatch(
        what: "config", ranks: badConfigs, detail: Self.firstDifference(configs[0], configs[first], rank: first))
    }
  }

  /// "line N: rank 0 has '…', rank r has '…'" for the first line where two texts differ.
  static func firstDifference(_ a: [UInt8], _ b: [UInt8], rank: Int) -> String {
    let left = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let right = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let shared = min(left.count, right.count)
    let line = (0..<shared).first { left[$0] != right[$0] } ?? shared
    let l = line < left.count ? "'\(left[line])'" : "nothing"
    let r = line < right.count ? "'\(right[line])'" : "nothing"
    return "config line \(line + 1): rank 0 has \(l), rank \(rank) has \(r)"
  }
}

/// A 64-bit checksum of float buffers for `verifySameState`: FNV-1a over 64-bit words, so
/// bit-identical parameters (and only those, with overwhelming probability) agree.
public func parameterChecksum(_ buffers: [(pointer: UnsafePointer<Float>, count: Int)]) -> UInt64 {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  let prime: UInt64 = 0x0000_0100_0000_01b3
  for buffer in buffers {
    let raw = UnsafeRawPointer(buffer.pointer)
    let words = buffer.count / 2
    for i in 0..<words { hash = (hash ^ raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) &* prime }
    if buffer.count % 2 == 1 { hash = (hash ^ UInt64(buffer.pointer[buffer.count - 1].bitPattern)) &* prime }
    hash = (hash ^ UInt64(buffer.count)) &* prime
  }
  return hash
}
