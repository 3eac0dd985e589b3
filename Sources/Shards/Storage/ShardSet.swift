// ShardSet: a shard folder opened through its manifest — every listed shard checked (present,
// size, optionally SHA-256 (in parallel), then its own header) and all of them served as one
// `TileSource`.
import Foundation
import Kernels

/// All shards of a folder, in manifest order, as one numbered set of samples.
public final class ShardSet: TileSource {
  public let folder: String
  public let manifest: ShardManifest
  /// One reader per shard, in manifest order.
  public let readers: [ShardReader]
  private let starts: [Int]

  public var count: Int { manifest.count }
  public var hasInput: Bool { readers.allSatisfy(\.hasInput) }
  public var hasTarget: Bool { readers.allSatisfy(\.hasTarget) }

  /// Opens `folder/manifest.json` and every shard in it.
  /// - Parameter verifyChecksums: also hash every file against the manifest (reads all bytes).
  public init(folder: String, verifyChecksums: Bool = true) throws {
    self.folder = folder
    manifest = try ShardManifest.read(folder: folder)
    // Shards are hashed on `Threading.count` threads; the first failure in manifest order is reported.
    let shards = manifest.shards
    var opened = [Result<ShardReader, Error>?](repeating: nil, count: shards.count)
    let lock = NSLock()
    Threading.forEach(shards.count) { index in
      let result = Result { try ShardSet.open(shards[index], in: folder, verifyChecksum: verifyChecksums) }
      lock.lock()
      opened[index] = result
      lock.unlock()
    }
    readers = try opened.map { try $0!.get() }
    var starts: [Int] = []
    var total = 0
    for reader in readers {
      starts.append(total)
      total += reader.count
    }
    self.starts = starts
  }

  /// Sample `index` of the whole set.
  public func sample(_ index: Int) throws -> (input: RGBImage?, target: RGBImage?) {
    guard index >= 0 && index < count else { throw ShardError.indexOutOfRange(file: folder, index: index, count: count) }
    var low = 0
    var high = starts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if starts[middle] <= index { low = middle } else { high = middle - 1 }
    }
    return try readers[low].sample(index - starts[low])
  }

  /// Checks one manifest entry against its file (exists, size, SHA-256 when asked) and opens it,
  /// checking that the shard's own kind and count agree with the manifest.
  public static func open(_ info: ShardFileInfo, in folder: String, verifyChecksum: Bool) throws -> ShardReader {
    let path = URL(fileURLWithPath: folder).appendingPathComponent(info.file).path
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
      throw ShardError.unreadable(file: path, reason: "listed in the manifest but missing")
    }
    let bytes = (attributes[.size] as? NSNumber)?.intValue ?? -1
    guard bytes == info.bytes else { throw ShardError.sizeMismatch(file: path, expected: info.bytes, actual: bytes) }
    if verifyChecksum {
      let actual = try SHA256.hex(ofFile: path)
      guard actual == info.sha256 else { throw ShardError.checksumMismatch(file: path, expected: info.sha256, actual: actual) }
    }
    let reader = try ShardReader(path: path)
    guard reader.kind == info.kind, reader.count == info.count else {
      throw ShardError.badManifest(
        file: URL(fileURLWithPath: folder).appendingPathComponent(ShardFormat.manifestName).path,
        reason: "lists \(info.file) as \(info.kind) × \(info.count), the file holds \(reader.kind) × \(reader.count)")
    }
    return reader
  }
}
