// ShardFormat: the names and version of the HDF5 shard layout documented in docs/data-format.md,
// the four kinds of shard, and the errors a damaged or foreign shard set gives.

/// Constants of the on-disk shard layout (docs/data-format.md).
public enum ShardFormat {
  /// Value of the `format` file attribute.
  public static let name = "noiseda-shard"
  /// Value of the `version` file attribute; bump on any incompatible change.
  public static let version = 1
  /// Name of the manifest in a shard folder.
  public static let manifestName = "manifest.json"
  /// Group holding one sub-group per whole image in `val` shards.
  public static let imagesGroup = "images"
  /// Attribute (int64 1) by which a `pairs` shard without an `input` array declares that it
  /// holds clean tiles only, degraded on the fly; without it a missing `input` is damage.
  public static let cleanOnlyAttribute = "clean_only"
  /// What to run when a shard is missing, damaged or of another version.
  public static let regenerate = "re-run `noiseda convert` into that folder to regenerate it"
}

/// What a shard holds (the file attribute `kind`).
public enum ShardKind: String, Codable, CaseIterable, Sendable {
  /// Training tiles with a clean `target` and, unless degraded on the fly, a degraded `input`.
  case pairs
  /// Unlabelled degraded tiles (`input` only): the real-world domain.
  case real
  /// Clean tiles (`target` only), e.g. MS-COCO for the unpaired extension.
  case clean
  /// Whole validation images, `input` and `target`, of varying sizes.
  case val

  /// Whether the shard stores fixed-size tiles in NHWC arrays (else one group per image).
  public var isTiled: Bool { self != .val }
}

/// Failures reading or validating shards and manifests: one line, naming the file and the fix.
public enum ShardError: Error, CustomStringConvertible, Equatable {
  case unreadable(file: String, reason: String)
  case notAShard(file: String, reason: String)
  case wrongVersion(file: String, found: Int)
  case malformed(file: String, reason: String)
  case checksumMismatch(file: String, expected: String, actual: String)
  case sizeMismatch(file: String, expected: Int, actual: Int)
  case badManifest(file: String, reason: String)
  case indexOutOfRange(file: String, index: Int, count: Int)

  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      return "cannot read shard \(file) (\(reason)); it may be truncated: \(ShardFormat.regenerate)"
    case .notAShard(let file, let reason):
      return "\(file) is not a NoiseDA shard (\(reason)); create shards with `noiseda convert`"
    case .wrongVersion(let file, let found):
      return "shard \(file) has format version \(found), this noiseda reads version \(ShardFormat.version); \(ShardFormat.regenerate)"
    case .malformed(let file, let reason):
      return "shard \(file) is malformed: \(reason); \(ShardFormat.regenerate)"
    case .checksumMismatch(let file, let expected, let actual):
      return "shard \(file) has SHA-256 \(actual) but the manifest lists \(expected): the file changed or is damaged; \(ShardFormat.regenerate)"
    case .sizeMismatch(let file, let expected, let actual):
      return "shard \(file) is \(actual) bytes but the manifest lists \(expected) (truncated or replaced); \(ShardFormat.regenerate)"
    case .badManifest(let file, let reason):
      return "manifest \(file) is unusable: \(reason); \(ShardFormat.regenerate)"
    case .indexOutOfRange(let file, let index, let count):
      return "sample \(index) requested from \(file), which holds \(count)"
    }
  }
}

/// `value` in decimal with leading zeros to `width` digits.
func zeroPadded(_ value: Int, _ width: Int) -> String {
  let digits = String(value)
  return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
