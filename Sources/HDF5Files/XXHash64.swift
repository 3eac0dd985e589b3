// XXHash64: the 64-bit xxHash (XXH64, seed 0, as libxxhash and Python's `xxhash.xxh64` compute
// it), fed incrementally, for the content checksums of files written through HDF5Files. Not
// cryptographic: it catches accidental damage (flipped bits, torn or zeroed blocks) at several
// GB/s, where SHA-256 would take minutes over a checkpoint of a large model.

/// Incremental XXH64. `update` with any byte runs, then `digest` for the 64-bit hash.
public struct XXHash64 {
  private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
  private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
  private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
  private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

  private var lanes: (UInt64, UInt64, UInt64, UInt64) = (p1 &+ p2, p2, 0, 0 &- p1)
  /// Bytes not yet folded into the lanes (fewer than one 32-byte stripe).
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  public init() {}

  /// Hashes more bytes.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    length &+= UInt64(bytes.count)
    var offset = 0
    if !pending.isEmpty {
      let take = min(32 - pending.count, bytes.count)
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
      offset = take
      guard pending.count == 32 else { return }
      pending.withUnsafeBytes { stripes($0.baseAddress!, count: 1) }
      pending.removeAll(keepingCapacity: true)
    }
    let whole = (bytes.count - offset) / 32
    stripes(base + offset, count: whole)
    offset += whole * 32
    if offset < bytes.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
  }

  /// Hashes the 8 little-endian bytes of `value`.
  public mutating func update(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { update($0) }
  }

  /// Hashes the count of `text`'s UTF-8 bytes, then the bytes (so that strings fed one after
  /// another cannot run together).
  public mutating func update(_ text: String) {
    var text = text
    update(UInt64(text.utf8.count))
    text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
  }

  /// The hash of everything fed so far (the hasher may go on being fed).
  public var digest: UInt64 {
    var h: UInt64
    if length >= 32 {
      h = lanes.0.rotated(1) &+ lanes.1.rotated(7) &+ lanes.2.rotated(12) &+ lanes.3.rotated(18)
      for lane in [lanes.0, lanes.1, lanes.2, lanes.3] {
        h = (h ^ Self.round(0, lane)) &* Self.p1 &+ Self.p4
      }
    } else {
      h = Self.p5
    }
    h &+= length
    pending.withUnsafeBytes { tail in
      var i = 0
      while i + 8 <= tail.count {
        h = (h ^ Self.round(0, UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self)))).rotated(27) &* Self.p1 &+ Self.p4
        i += 8
      }
      if i + 4 <= tail.count {
        h = (h ^ UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* Self.p1).rotated(23) &* Self.p2 &+ Self.p3
        i += 4
      }
      while i < tail.count {
        h = (h ^ UInt64(tail[i]) &* Self.p5).rotated(11) &* Self.p1
        i += 1
      }
    }
    h = (h ^ (h >> 33)) &* Self.p2
    h = (h ^ (h >> 29)) &* Self.p3
    return h ^ (h >> 32)
  }

  /// Folds `count` 32-byte stripes at `data` into the four lanes.
  private mutating func stripes(_ data: UnsafeRawPointer, count: Int) {
    var (a, b, c, d) = lanes
    for s in 0..<count {
      let p = data + 32 * s
      a = Self.round(a, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
      b = Self.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
      c = Self.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
      d = Self.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }
    lanes = (a, b, c, d)
  }

  @inline(__always) private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
    (accumulator &+ input &* p2).rotated(31) &* p1
  }
}

extension UInt64 {
  @inline(__always) fileprivate func rotated(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
