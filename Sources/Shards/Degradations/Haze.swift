// Haze: synthetic haze by the atmospheric scattering model (algorithms.md §3.5, ODCR's eq. 1, and
// §6.2): I = J·t + A·(1 − t) with transmission t = exp(−β·d), drawing per image a scattering
// coefficient β, a grey airlight A and a scene depth map d (SceneDepth). No clipping is needed:
// each value is a convex blend of J and A.
import Foundation
import Tensors

/// Hazes each image with β uniform in `beta`, A uniform in `airlight` (the same for all three
/// channels) and a fresh depth map, all drawn from the caller's stream in that order.
public struct Haze: Degradation {
  /// The β range of algorithms.md §6.2, used by the name `haze`.
  public static let defaultBeta: ClosedRange<Float> = 0.6...1.8

  /// Scattering coefficient range (per unit of depth; d ∈ [0, 1]).
  public let beta: ClosedRange<Float>
  /// Airlight range, on the [0, 1] scale.
  public let airlight: ClosedRange<Float>
  /// The depth maps' generator.
  public let depth: SceneDepth

  public init(beta: ClosedRange<Float> = Haze.defaultBeta, airlight: ClosedRange<Float> = 0.7...1, depth: SceneDepth = SceneDepth()) {
    precondition(beta.lowerBound >= 0, "Haze: negative β \(beta)")
    precondition(airlight.lowerBound >= 0 && airlight.upperBound <= 1, "Haze: airlight \(airlight) outside [0, 1]")
    self.beta = beta
    self.airlight = airlight
    self.depth = depth
  }

  public var name: String { beta == Haze.defaultBeta ? "haze" : "haze:\(spelled(beta))" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    hazed(image, using: &rng).image
  }

  /// The hazy image with the transmission map t (`height × width`, in (0, 1]) and the airlight A
  /// it was made with.
  public func hazed(_ image: FloatImage, using rng: inout PhiloxRandom) -> (image: FloatImage, transmission: [Float], airlight: Float) {
    let b = rng.uniform(beta.lowerBound, beta.upperBound)
    let a = rng.uniform(airlight.lowerBound, airlight.upperBound)
    let t = depth.draw(width: image.width, height: image.height, using: &rng).map { exp(-b * $0) }
    var out = image
    for p in 0..<t.count {
      for c in 0..<3 { out.pixels[p * 3 + c] = image.pixels[p * 3 + c] * t[p] + a * (1 - t[p]) }
    }
    return (out, t, a)
  }
}
