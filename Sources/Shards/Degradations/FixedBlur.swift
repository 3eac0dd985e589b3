// FixedBlur: the two deterministic blurs I2SB trains its deblurring models on (algorithms.md §4.5,
// the authors' corruption/blur.py): "uniform", a separable box of 9 taps of 1/9, and "gauss", a
// separable 5-tap kernel exp(−x²/2σ²) at σ = 10, normalised; zero padding and the authors' tap
// range (SeparableFilter). Applied to the image in [0, 1].
import Foundation
import Tensors

/// One of I2SB's fixed blur kernels.
public struct FixedBlur: Degradation {
  public enum Kernel: String, Sendable {
    case uniform, gauss
  }

  public let kernel: Kernel

  public init(_ kernel: Kernel) { self.kernel = kernel }

  public var name: String { "blur:i2sb-\(kernel.rawValue)" }

  var filter: SeparableFilter {
    switch kernel {
    case .uniform:
      return SeparableFilter(kernel: [Float](repeating: 1.0 / 9, count: 9), stride: 1, padding: .zeros)
    case .gauss:
      let taps = (-2...2).map { Foundation.exp(-0.5 * pow(Double($0) / 10, 2)) }
      let sum = taps.reduce(0, +)
      return SeparableFilter(kernel: taps.map { Float($0 / sum) }, stride: 1, padding: .zeros)
    }
  }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage { filter.apply(image) }
}
