// HDF5FileSeal: a file's proof of integrity that libhdf5 never has to parse. A sealed file starts
// with a 512-byte user block, which libhdf5 and h5py skip, holding one line,
// "noiseda-seal xxh64 <16 hex digits>": the XXH64 of every byte after the block, written on
// commit once the file is complete. Checking reads the file as plain bytes, so damage anywhere —
// in the values or in libhdf5's own metadata, where one flipped byte can crash or hang libhdf5
// 1.10 — is found before libhdf5 opens the file. Files without a user block (written before
// seals, or by other tools) are "unsealed", not damaged.
import Foundation

/// Writing and checking the seal of files created with `HDF5File.create(_:sealed: true)`.
public enum HDF5FileSeal {
  /// The user block's size: libhdf5's smallest.
  static let blockSize = 512
  private static let magic = "noiseda-seal xxh64 "

  /// What a file's seal says about it.
  public enum Verdict: Equatable, Sendable {
    /// The bytes after the user block hash to the sealed digest.
    case intact
    /// The file has no seal (no user block, or one without the seal line).
    case unsealed
    /// The bytes after the user block do not match the seal; why, in words.
    case damaged(String)
  }

  /// Checks the seal of the file at `path`, reading all of it. Throws only when the file cannot
  /// be read.
  public static func check(_ path: String) throws -> Verdict {
    let (block, digest) = try read(path)
    guard block.count == blockSize, let line = String(bytes: block.prefix { $0 != 0x0A }, encoding: .utf8),
      line.hasPrefix(magic)
    else { return .unsealed }
    let stored = String(line.dropFirst(magic.count))
    let found = hex(digest)
    return stored == found ? .intact : .damaged("its bytes hash to xxh64 \(found), not to the \(stored) sealed into it")
  }

  /// Seals the complete, closed file at `path` (created with a user block).
  static func write(_ path: String) throws {
    let (_, digest) = try read(path)
    var block = [UInt8](repeating: 0, count: blockSize)
    let line = Array((magic + hex(digest) + "\n").utf8)
    block.replaceSubrange(0..<line.count, with: line)
    let descriptor = open(path, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure(path, "open") }
    defer { close(descriptor) }
    guard block.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, blockSize, 0) }) == blockSize else {
      throw failure(path, "pwrite")
    }
  }

  /// The first `blockSize` bytes of the file (fewer when it is shorter) and the XXH64 of the rest,
  /// read in 4 MiB blocks.
  private static func read(_ path: String) throws -> (block: [UInt8], digest: UInt64) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure(path, "open") }
    defer { close(descriptor) }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
    defer { buffer.deallocate() }
    var block: [UInt8] = []
    var hasher = XXHash64()
    while true {
      let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure(path, "read") }
      if count == 0 { break }
      var bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
      if block.count < blockSize {
        let take = min(blockSize - block.count, bytes.count)
        block += bytes[0..<take]
        bytes = UnsafeRawBufferPointer(rebasing: bytes[take...])
      }
      hasher.update(bytes)
    }
    return (block, hasher.digest)
  }

  private static func hex(_ digest: UInt64) -> String {
    let digits = String(digest, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }

  /// The failed system call on `path`, with the system's reason.
  private static func failure(_ path: String, _ call: String) -> HDF5Error {
    HDF5Error(call: call, file: path, object: "seal", reason: String(cString: strerror(errno)))
  }
}
