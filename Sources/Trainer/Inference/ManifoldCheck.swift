// ManifoldCheck: the MPE property check of `noiseda inspect mpe` (algorithms.md §5.1, §6.4): the
// mean equivariance error E of an MPE function on clean images and on the same images moved off
// the image manifold — Gaussian noise, Gaussian blur, and (with a prior) the prior's x̂₀ estimates
// from early, noisy steps, which are what DPS penalises. f has the MPE property when clean images
// score lowest. E per image is ‖ρ(g)·f(x) − f(T_g·x)‖² / count, averaged over the group's sampled
// elements (ManifoldFunction.meanSquaredError).
import Methods
import Shards
import Tensors

/// Mean E over one set of images.
public struct ManifoldCheckRow: Codable, Equatable, Sendable {
  public let images: String
  public let meanError: Double
}

/// The MPE property check.
public enum ManifoldCheck {
  /// Noise levels σ (in units of half the pixel range, i.e. of images in [−1, 1]).
  static let noiseLevels: [Float] = [0.05, 0.2]
  /// Gaussian blur widths σ in pixels.
  static let blurWidths: [Float] = [1, 2]
  /// Prior steps of the early-step estimates.
  static let priorSteps = [900, 700, 500]

  /// The rows for `clean` (`[N, 3, H, W]` in `range`), in batches of `batch`; noise draws from `seed`.
  public static func run(_ manifold: ManifoldFunction, clean: Tensor, range: PixelRange, prior: TrainingMethod?, seed: UInt64,
                         batch: Int = 16) throws -> [ManifoldCheckRow] {
    var rng = PhiloxRandom(seed: seed)
    let halfSpan = (range.bounds.upperBound - range.bounds.lowerBound) / 2
    var variants: [(String, (Tensor, inout PhiloxRandom) throws -> Tensor)] = [("clean", { x, _ in x })]
    for sigma in noiseLevels {
      variants.append(("noisy σ=\(sigma)", { x, rng in try x + Tensor.normal(x.shape, using: &rng) * (sigma * halfSpan) }))
    }
    for width in blurWidths { variants.append(("blurred σ=\(Int(width)) px", { x, _ in try gaussianBlur(x, sigma: width) })) }
    if let prior {
      for step in priorSteps { variants.append(("prior x̂₀ at t=\(step)", { x, rng in try prior.priorEstimate(of: x, noisedTo: step, using: &rng) })) }
    }
    return try Autograd.withoutGradients {
      try variants.map { name, transform in
        var errors = [Double]()
        for start in stride(from: 0, to: clean.shape[0], by: batch) {
          let images = try clean.slice(axis: 0, range: start..<min(start + batch, clean.shape[0]))
          errors += try manifold.meanSquaredError(try transform(images, &rng))
        }
        return ManifoldCheckRow(images: name, meanError: errors.reduce(0, +) / Double(errors.count))
      }
    }
  }

  /// A depthwise Gaussian blur of σ pixels (radius ⌈3σ⌉, reflect padding).
  static func gaussianBlur(_ x: Tensor, sigma: Float) throws -> Tensor {
    let radius = Int((3 * sigma).rounded(.up))
    return try conv2d(x, weight: try BlurKernel.gaussian(radius: radius, sigma: sigma, channels: x.shape[1]), bias: nil, padding: radius,
                      paddingMode: .reflect, groups: x.shape[1])
  }
}
