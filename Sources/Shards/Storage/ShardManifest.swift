// ShardManifest: manifest.json of a shard folder — what the folder holds (kind, task, tile,
// total count), every shard with its count, size and SHA-256, and the source files that were
// skipped with the reason. Written atomically by rank 0 after all ranks finished.
import Foundation

/// A source file the converter could not use, and why.
public struct SkippedSource: Codable, Equatable, Sendable {
  public var path: String
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
}

/// The contents of `manifest.json` (docs/data-format.md).
public struct ShardManifest: Codable, Equatable, Sendable {
  /// Always `noiseda-shards`.
  public var format: String
  public var version: Int
  public var kind: ShardKind
  public var task: String
  /// Tile side of the training shards, 0 for `val`.
  public var tile: Int
  /// Total samples over all shards.
  public var count: Int
  public var shards: [ShardFileInfo]
  public var skipped: [SkippedSource]

  /// The name in the `format` field.
  public static let formatName = "noiseda-shards"

  public init(kind: ShardKind, task: String, tile: Int, shards: [ShardFileInfo], skipped: [SkippedSource]) {
    format = ShardManifest.formatName
    version = ShardFormat.version
    self.kind = kind
    self.task = task
    self.tile = tile
    self.count = shards.reduce(0) { $0 + $1.count }
    self.shards = shards
    self.skipped = skipped
  }

  /// Reads `folder/manifest.json`, checking its format, version and total.
  public static func read(folder: String) throws -> ShardManifest {
    let path = URL(fileURLWithPath: folder).appendingPathComponent(ShardFormat.manifestName).path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ShardError.badManifest(file: path, reason: "missing or unreadable (is \(folder) a shard folder?)")
    }
    let manifest: ShardManifest
    do {
      manifest = try JSONDecoder().decode(ShardManifest.self, from: data)
    } catch {
      throw ShardError.badManifest(file: path, reason: "not valid manifest JSON (\(error))")
    }
    guard manifest.format == formatName else { throw ShardError.badManifest(file: path, reason: "format is '\(manifest.format)'") }
    guard manifest.version == ShardFormat.version else {
      throw ShardError.badManifest(file: path, reason: "version \(manifest.version), this noiseda reads \(ShardFormat.version)")
    }
    guard manifest.count == manifest.shards.reduce(0, { $0 + $1.count }) else {
      throw ShardError.badManifest(file: path, reason: "count \(manifest.count) is not the sum of the shard counts")
    }
    return manifest
  }

  /// Writes `folder/manifest.json` atomically (temporary file, then rename).
  public func write(folder: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let url = URL(fileURLWithPath: folder).appendingPathComponent(ShardFormat.manifestName)
    try encoder.encode(self).write(to: url, options: .atomic)
  }
}
