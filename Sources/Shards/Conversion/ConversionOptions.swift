// ConversionOptions: everything `noiseda convert` was asked to do, checked for combinations
// that make no sense before any file is touched, and fingerprinted so that a re-run can tell
// whether an existing shard was made the same way.
import Foundation

/// What to do with images smaller than a tile.
public enum SmallImagePolicy: String, CaseIterable, Sendable {
  /// Pad to the tile size by reflection at the bottom and right edges.
  case reflect
  /// Skip the image (it is listed in the report).
  case skip
}

/// The settings of one conversion run.
public struct ConversionOptions: Sendable {
  public var layout: DatasetLayout
  /// Root folder of the raw dataset (the degraded folder for `paired-folders`).
  public var input: String
  /// Clean folder for `paired-folders`.
  public var target: String?
  /// List file for `realblur`.
  public var list: String?
  public var kind: ShardKind
  /// Free text naming the restoration task (`denoise`, `derain`, `deblur`, ...).
  public var task: String
  /// Tile side for training kinds (ignored for `val`).
  public var tile: Int
  /// Step between tiles (defaults to `tile`: no overlap).
  public var stride: Int
  public var small: SmallImagePolicy
  /// Maximum samples per shard (a shard ends at an image boundary; one image with more tiles
  /// than this gets a shard of its own).
  public var shardSize: Int
  /// Output folder (created if missing).
  public var output: String
  /// Degradation applied to the clean image to make the degraded one, if any.
  public var degradation: Degradation?
  /// Seed of the degradation streams (one stream per source item, independent of ranks).
  public var seed: UInt64
  /// zlib level for image chunks, or nil.
  public var deflate: Int?
  /// Shorter side resized to this, then the centre square kept (ResizeCrop), before degrading
  /// and tiling; nil: images as they are.
  public var resize: Int?
  /// Images whose header promises more pixels are skipped before decoding (ImageFile).
  public var maxPixels: Int

  public init(layout: DatasetLayout, input: String, target: String? = nil, list: String? = nil, kind: ShardKind, task: String,
              tile: Int = 256, stride: Int? = nil, small: SmallImagePolicy = .reflect, shardSize: Int = 1000, output: String,
              degradation: Degradation? = nil, seed: UInt64 = 0, deflate: Int? = nil, resize: Int? = nil,
              maxPixels: Int = ImageFile.defaultMaxPixels) {
    self.layout = layout
    self.input = input
    self.target = target
    self.list = list
    self.kind = kind
    self.task = task
    self.tile = tile
    self.stride = stride ?? tile
    self.small = small
    self.shardSize = shardSize
    self.output = output
    self.degradation = degradation
    self.seed = seed
    self.deflate = deflate
    self.resize = resize
    self.maxPixels = maxPixels
  }

  /// Whether shards store a degraded `input` (clean-only `pairs` get theirs on the fly).
  public var storesInput: Bool {
    switch kind {
    case .clean: return false
    case .real, .val: return true
    case .pairs: return degradation != nil || layout.isPaired
    }
  }

  /// Whether shards store a clean `target`.
  public var storesTarget: Bool { kind != .real }

  /// Rejects combinations that cannot work, with the fix.
  public func validate() throws {
    if kind.isTiled && tile < 8 { throw ConversionError.invalidOption("--tile \(tile) is too small; use at least 8 (typical: 256)") }
    if kind.isTiled && (stride < 1 || stride > tile) {
      throw ConversionError.invalidOption("--stride \(stride) must be between 1 and --tile \(tile)")
    }
    if shardSize < 1 { throw ConversionError.invalidOption("--shard-size must be at least 1") }
    if let deflate, !(0...9).contains(deflate) { throw ConversionError.invalidOption("--deflate \(deflate) must be 0...9") }
    if let resize, resize < 1 { throw ConversionError.invalidOption("--resize \(resize) must be a positive side in pixels") }
    if maxPixels < 1 { throw ConversionError.invalidOption("--max-megapixels must be positive") }
    if degradation != nil && layout.isPaired {
      throw ConversionError.invalidOption("--degrade would replace the degraded images of --layout \(layout.rawValue); drop one of them")
    }
    if degradation != nil && kind == .clean {
      throw ConversionError.invalidOption("--kind clean stores clean images only; drop --degrade")
    }
    if kind == .val && !layout.isPaired && degradation == nil {
      throw ConversionError.invalidOption("--kind val needs ground truth: a paired --layout, or --degrade NAME to make the degraded half")
    }
    if target != nil && layout != .pairedFolders { throw ConversionError.invalidOption("--target is only for --layout paired-folders") }
    if list != nil && ![.realblur, .imagenet].contains(layout) { throw ConversionError.invalidOption("--list is only for --layout realblur and imagenet") }
  }

  /// A string that changes whenever the shards this run writes would change (for re-runs).
  func fingerprint(items: [SourceItem], rank: Int, worldSize: Int) -> String {
    var hasher = SHA256()
    for item in items { hasher.update(Data("\(item.degraded ?? "-")\t\(item.clean ?? "-")\n".utf8)) }
    let listDigest = hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    let parts = [
      "layout=\(layout.rawValue)", "kind=\(kind.rawValue)", "task=\(task)", "tile=\(kind.isTiled ? tile : 0)",
      "stride=\(kind.isTiled ? stride : 0)", "small=\(small.rawValue)", "shard-size=\(shardSize)",
      "degrade=\(degradation?.name ?? "none")", "seed=\(seed)", "deflate=\(deflate.map(String.init) ?? "none")",
      "resize=\(resize.map(String.init) ?? "none")",
      "rank=\(rank)/\(worldSize)", "items=\(items.count):\(listDigest)",
    ]
    // The limit decides which images are skipped; the default leaves earlier fingerprints as they were.
    let limit = maxPixels == ImageFile.defaultMaxPixels ? [] : ["max-pixels=\(maxPixels)"]
    return (parts + limit).joined(separator: " ")
  }
}
