// ShardWriter: writes one shard file in the layout of docs/data-format.md — under a temporary
// name until `commit()`, which also measures its size and SHA-256 for the manifest.
import Foundation
import HDF5Files

/// What the manifest records about one finished shard.
public struct ShardFileInfo: Codable, Equatable, Sendable {
  /// File name relative to the shard folder.
  public var file: String
  public var kind: ShardKind
  /// Number of samples (tiles, or whole images for `val`).
  public var count: Int
  /// File size in bytes (a cheap truncation check before hashing).
  public var bytes: Int
  /// Lower-case hex SHA-256 of the whole file.
  public var sha256: String

  public init(file: String, kind: ShardKind, count: Int, bytes: Int, sha256: String) {
    self.file = file
    self.kind = kind
    self.count = count
    self.bytes = bytes
    self.sha256 = sha256
  }
}

/// Appends samples to a new shard: tiles `[N, tile, tile, 3]` uint8 for training kinds, one
/// group per whole image for `val`, plus each sample's source path.
public final class ShardWriter {
  public let path: String
  public let kind: ShardKind
  public let tile: Int
  public let storesInput: Bool
  public let storesTarget: Bool
  /// Samples appended so far.
  public private(set) var count = 0

  private let file: HDF5File
  private let root: HDF5Group
  private let deflate: Int?
  private var inputArray: HDF5Dataset?
  private var targetArray: HDF5Dataset?
  private var capacity = 0
  private var sources: [String] = []

  /// Starts `path` (written as `path.tmp`).
  /// - Parameters:
  ///   - tile: tile side for tiled kinds (ignored, stored as 0, for `val`).
  ///   - storesInput/storesTarget: which of `input` (degraded) and `target` (clean) samples carry.
  ///   - deflate: zlib level for the image chunks, or nil for none.
  public init(path: String, kind: ShardKind, task: String, tile: Int, storesInput: Bool, storesTarget: Bool, deflate: Int?) throws {
    precondition(storesInput || storesTarget, "ShardWriter: a shard must store input or target")
    precondition(!kind.isTiled || tile > 0, "ShardWriter: tiled shards need a positive tile size")
    self.path = path
    self.kind = kind
    self.tile = kind.isTiled ? tile : 0
    self.storesInput = storesInput
    self.storesTarget = storesTarget
    self.deflate = deflate
    file = try HDF5File.create(path)
    do {
      root = try file.root
      try root.setAttribute("format", ShardFormat.name)
      try root.setAttribute("version", ShardFormat.version)
      try root.setAttribute("kind", kind.rawValue)
      try root.setAttribute("task", task)
      try root.setAttribute("tile", self.tile)
      try root.setAttribute("count", 0)
      if kind == .pairs && !storesInput { try root.setAttribute(ShardFormat.cleanOnlyAttribute, 1) }
      if kind.isTiled {
        let chunk = [1, tile, tile, 3]
        if storesInput {
          inputArray = try root.createDataset("input", of: UInt8.self, shape: [0, tile, tile, 3], chunk: chunk, deflate: deflate, growable: true)
        }
        if storesTarget {
          targetArray = try root.createDataset("target", of: UInt8.self, shape: [0, tile, tile, 3], chunk: chunk, deflate: deflate, growable: true)
        }
      } else {
        _ = try root.createGroup(ShardFormat.imagesGroup)
      }
    } catch {
      file.abandon()
      throw error
    }
  }

  /// Sets an extra file attribute (the converter records what it was made from).
  public func setAttribute(_ name: String, _ value: String) throws { try root.setAttribute(name, value) }
  /// Sets an extra integer file attribute.
  public func setAttribute(_ name: String, _ value: Int) throws { try root.setAttribute(name, value) }

  /// Appends one sample. Tiled kinds need `tile × tile` images; `input` and `target` must be
  /// given exactly when the shard stores them, and have the same size.
  public func append(input: RGBImage?, target: RGBImage?, source: String) throws {
    precondition((input != nil) == storesInput && (target != nil) == storesTarget, "ShardWriter: sample does not match the shard's arrays")
    if let input, let target {
      precondition(input.width == target.width && input.height == target.height, "ShardWriter: input and target sizes differ")
    }
    if kind.isTiled {
      for image in [input, target].compactMap({ $0 }) {
        precondition(image.width == tile && image.height == tile, "ShardWriter: \(image.width)×\(image.height) is not a \(tile) tile")
      }
      if count == capacity {
        capacity = max(16, capacity * 2)
        try inputArray?.resize(firstAxis: capacity)
        try targetArray?.resize(firstAxis: capacity)
      }
      if let input { try inputArray?.writeSlice(count..<(count + 1), input.pixels) }
      if let target { try targetArray?.writeSlice(count..<(count + 1), target.pixels) }
    } else {
      let group = try root.createGroup(ShardFormat.imagesGroup + "/" + ShardWriter.imageName(count))
      for (name, image) in [("input", input), ("target", target)] {
        guard let image else { continue }
        let shape = [image.height, image.width, 3]
        try group.createDataset(name, values: image.pixels, shape: shape, chunk: deflate == nil ? nil : shape, deflate: deflate)
      }
    }
    sources.append(source)
    count += 1
  }

  /// Finishes the file and renames it to `path`; returns what the manifest needs.
  public func commit() throws -> ShardFileInfo {
    do {
      try inputArray?.resize(firstAxis: count)
      try targetArray?.resize(firstAxis: count)
      try root.createStringDataset("source", sources)
      try root.setAttribute("count", count)
      try file.commit()
    } catch {
      file.abandon()
      throw error
    }
    return try ShardWriter.describe(path: path, kind: kind, count: count)
  }

  /// Drops the unfinished file.
  public func abandon() { file.abandon() }

  /// The name of whole image `index` inside the `images` group of a `val` shard.
  public static func imageName(_ index: Int) -> String { zeroPadded(index, 6) }

  /// Size and SHA-256 of a finished shard file.
  public static func describe(path: String, kind: ShardKind, count: Int) throws -> ShardFileInfo {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let bytes = (attributes[.size] as? NSNumber)?.intValue ?? 0
    return ShardFileInfo(file: URL(fileURLWithPath: path).lastPathComponent, kind: kind, count: count, bytes: bytes, sha256: try SHA256.hex(ofFile: path))
  }
}
