// TileSource: what the loaders read from — a numbered set of stored images (a shard set on disk,
// or an in-memory set in tests). Keeping loaders on this protocol keeps HDF5 out of sampling.

/// A random-access collection of stored samples, each with an optional degraded `input` and an
/// optional clean `target` of the same size (uint8 HWC RGB).
public protocol TileSource: AnyObject {
  /// Number of samples.
  var count: Int { get }
  /// Whether samples carry a degraded input (pairs, real, val) and a clean target (pairs, clean, val).
  var hasInput: Bool { get }
  var hasTarget: Bool { get }
  /// Sample `index`: (input, target), each nil when the source has no such image.
  func sample(_ index: Int) throws -> (input: RGBImage?, target: RGBImage?)
}
