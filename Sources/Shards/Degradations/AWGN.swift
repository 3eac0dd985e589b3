// AWGN: additive white Gaussian noise, the synthetic degradation of the denoising task. σ is
// given on the 0–255 scale (as papers quote it) and applied on [0, 1] images; no clipping, as
// in the DA code (clipping happens only when an image is quantised to 8 bits).
import Tensors

/// Adds N(0, σ²) to every value of an image, one σ per image drawn uniformly from `sigma`
/// (0–255 scale; a one-point range gives a fixed σ). The same σ is used for all three channels.
public struct AWGN: Degradation {
  /// σ range on the 0–255 scale.
  public let sigma: ClosedRange<Float>

  /// Noise with σ drawn uniformly from `sigma` (0–255 scale) for each image.
  public init(sigma: ClosedRange<Float>) {
    precondition(sigma.lowerBound >= 0, "AWGN: negative σ \(sigma)")
    self.sigma = sigma
  }

  /// Noise of fixed σ (0–255 scale).
  public init(sigma: Float) { self.init(sigma: sigma...sigma) }

  public var name: String { "awgn:\(spelled(sigma))" }

  /// One σ for an image, on the [0, 1] scale.
  public func drawSigma(using rng: inout PhiloxRandom) -> Float {
    (sigma.lowerBound == sigma.upperBound ? sigma.lowerBound : rng.uniform(sigma.lowerBound, sigma.upperBound)) / 255
  }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    var out = image
    let s = drawSigma(using: &rng)
    let n = out.pixels.count
    out.pixels.withUnsafeMutableBufferPointer { AWGN.addNoise($0.baseAddress!, count: n, sigma: s, using: &rng) }
    return out
  }

  /// x[i] += σ·z_i with z_i ~ N(0, 1), for `count` floats at `values` (σ on the value scale).
  public static func addNoise(_ values: UnsafeMutablePointer<Float>, count: Int, sigma: Float, using rng: inout PhiloxRandom) {
    guard sigma > 0 else { return }
    for i in 0..<count { values[i] += sigma * rng.normal() }
  }
}
