// ShardReader: opens one shard, checks that it is a NoiseDA shard of this version with the
// attributes (each of its type), arrays and shapes the format requires — a `pairs` shard without
// `input` only when it declares itself clean-only — and serves its samples to the loaders.
import Foundation
import HDF5Files

/// Random access to the samples of one shard file. Safe to call from loader threads (HDF5
/// serialises the reads).
public final class ShardReader: TileSource {
  public let path: String
  public let kind: ShardKind
  public let task: String
  /// Tile side, 0 for `val` shards (whole images).
  public let tile: Int
  public let count: Int
  public let hasInput: Bool
  public let hasTarget: Bool

  private let file: HDF5File
  private let root: HDF5Group
  private let input: HDF5Dataset?
  private let target: HDF5Dataset?

  /// Opens and validates `path`; every problem is a `ShardError` naming the file.
  public init(path: String) throws {
    self.path = path
    let file: HDF5File
    let root: HDF5Group
    do {
      file = try HDF5File.open(path)
      root = try file.root
    } catch let error as HDF5Error {
      throw ShardError.unreadable(file: path, reason: error.reason)
    }
    guard try root.hasAttribute("format") else { throw ShardError.notAShard(file: path, reason: "no 'format' attribute") }
    let format = try ShardReader.attribute(path) { try root.stringAttribute("format") }
    guard format == ShardFormat.name else { throw ShardError.notAShard(file: path, reason: "format is '\(format)'") }
    let version = try ShardReader.attribute(path) { try root.intAttribute("version") }
    guard version == ShardFormat.version else { throw ShardError.wrongVersion(file: path, found: version) }
    let kindName = try ShardReader.attribute(path) { try root.stringAttribute("kind") }
    guard let kind = ShardKind(rawValue: kindName) else {
      throw ShardError.malformed(file: path, reason: "unknown kind '\(kindName)'")
    }
    let task = try ShardReader.attribute(path) { try root.stringAttribute("task") }
    let count = try ShardReader.attribute(path) { try root.intAttribute("count") }
    let tile = try ShardReader.attribute(path) { try root.intAttribute("tile") }
    guard count >= 0, kind.isTiled ? tile > 0 : tile == 0 else {
      throw ShardError.malformed(file: path, reason: "count \(count) and tile \(tile) are impossible for a \(kind) shard")
    }
    let sourceCount = try ShardReader.attribute(path) { try root.dataset("source").shape() }
    guard sourceCount == [count] else {
      throw ShardError.malformed(file: path, reason: "'source' has shape \(sourceCount), expected [\(count)]")
    }
    var input: HDF5Dataset?
    var target: HDF5Dataset?
    let hasInput: Bool
    let hasTarget: Bool
    if kind.isTiled {
      input = try ShardReader.tiles(root, "input", path: path, count: count, tile: tile)
      target = try ShardReader.tiles(root, "target", path: path, count: count, tile: tile)
      hasInput = input != nil
      hasTarget = target != nil
    } else {
      let images = try ShardReader.attribute(path) { try root.group(ShardFormat.imagesGroup).childNames() }
      guard images.count == count else {
        throw ShardError.malformed(file: path, reason: "'images' holds \(images.count) images, count says \(count)")
      }
      let first = count > 0 ? try ShardReader.attribute(path) { try root.group(ShardFormat.imagesGroup + "/" + ShardWriter.imageName(0)) } : nil
      hasInput = try first?.contains("input") ?? true
      hasTarget = try first?.contains("target") ?? true
    }
    let needed: (input: Bool, target: Bool) = switch kind {
    case .pairs: (false, true)
    case .real: (true, false)
    case .clean: (false, true)
    case .val: (true, true)
    }
    if needed.input && !hasInput { throw ShardError.malformed(file: path, reason: "a \(kind) shard needs an 'input' array") }
    if kind == .pairs {
      let cleanOnly = try root.hasAttribute(ShardFormat.cleanOnlyAttribute)
        ? try ShardReader.attribute(path) { try root.intAttribute(ShardFormat.cleanOnlyAttribute) } == 1 : false
      if !hasInput && !cleanOnly {
        throw ShardError.malformed(file: path, reason: "the 'input' array is missing and the shard does not declare itself clean-only (attribute \(ShardFormat.cleanOnlyAttribute) = 1)")
      }
      if hasInput && cleanOnly {
        throw ShardError.malformed(file: path, reason: "it declares itself clean-only (\(ShardFormat.cleanOnlyAttribute) = 1) but holds an 'input' array")
      }
    }
    if needed.target && !hasTarget { throw ShardError.malformed(file: path, reason: "a \(kind) shard needs a 'target' array") }
    (self.file, self.root, self.input, self.target) = (file, root, input, target)
    (self.kind, self.task, self.count, self.tile, self.hasInput, self.hasTarget) = (kind, task, count, tile, hasInput, hasTarget)
  }

  /// Sample `index`: (input, target) as stored; nil where the shard has no such array.
  public func sample(_ index: Int) throws -> (input: RGBImage?, target: RGBImage?) {
    guard index >= 0 && index < count else { throw ShardError.indexOutOfRange(file: path, index: index, count: count) }
    return try ShardReader.attribute(path) {
      if kind.isTiled {
        return (try input.map { try tileImage($0, index) }, try target.map { try tileImage($0, index) })
      }
      let group = try root.group(ShardFormat.imagesGroup + "/" + ShardWriter.imageName(index))
      return (hasInput ? try wholeImage(group.dataset("input")) : nil, hasTarget ? try wholeImage(group.dataset("target")) : nil)
    }
  }

  /// The original file path of every sample, in order.
  public func sources() throws -> [String] {
    try ShardReader.attribute(path) { try root.dataset("source").readStrings() }
  }

  private func tileImage(_ dataset: HDF5Dataset, _ index: Int) throws -> RGBImage {
    RGBImage(width: tile, height: tile, pixels: try dataset.readSlice(index..<(index + 1), as: UInt8.self))
  }

  private func wholeImage(_ dataset: HDF5Dataset) throws -> RGBImage {
    let shape = try dataset.shape()
    guard shape.count == 3, shape[2] == 3, shape[0] > 0, shape[1] > 0, try dataset.holds(UInt8.self) else {
      throw ShardError.malformed(file: path, reason: "\(dataset.path) is \(try dataset.typeName()) \(shape), expected uint8 [H, W, 3]")
    }
    return RGBImage(width: shape[1], height: shape[0], pixels: try dataset.read(as: UInt8.self))
  }

  /// The uint8 `[count, tile, tile, 3]` dataset `name`, nil when absent.
  private static func tiles(_ root: HDF5Group, _ name: String, path: String, count: Int, tile: Int) throws -> HDF5Dataset? {
    try attribute(path) {
      guard try root.contains(name) else { return nil }
      let dataset = try root.dataset(name)
      let shape = try dataset.shape()
      guard try dataset.holds(UInt8.self), shape == [count, tile, tile, 3] else {
        throw ShardError.malformed(file: path, reason: "'\(name)' is \(try dataset.typeName()) \(shape), expected uint8 [\(count), \(tile), \(tile), 3]")
      }
      return dataset
    }
  }

  /// Runs `body`, turning HDF5 failures (missing attributes, damaged data) into `ShardError`.
  private static func attribute<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as HDF5Error {
      // A missing or wrongly typed attribute or object is a malformed shard, not a damaged file.
      if error.reason == "no such attribute" || error.reason.contains(", expected ") || error.call == "H5Dopen2" || error.call == "H5Gopen2" {
        throw ShardError.malformed(file: path, reason: "\(error.object): \(error.reason)")
      }
      throw ShardError.unreadable(file: path, reason: "\(error.call) on \(error.object): \(error.reason)")
    }
  }
}
