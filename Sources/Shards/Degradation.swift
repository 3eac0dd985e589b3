// Degradation: what turns a clean picture into a degraded one (noise, a camera pipeline, rain,
// blur). The converter applies one to make synthetic pairs or a "real-world" domain; loaders
// apply AWGN on the fly. Randomness comes only from the caller's stream, so runs reproduce.
import Tensors

/// A random corruption of a clean image; same size out as in.
public protocol Degradation: Sendable {
  /// Short name as given on the command line, e.g. `awgn:25` or `camera`.
  var name: String { get }
  /// A degraded copy of `image`, drawing all randomness from `rng`.
  func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage
}
