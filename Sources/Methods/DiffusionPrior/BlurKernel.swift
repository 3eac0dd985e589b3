// BlurKernel: square blur kernels as depthwise convolution weights `[C, 1, side, side]` (one copy
// per channel) — the normalised Gaussian exp(−(x² + y²)/2σ²) of DPS's gblur and of the MPE check's
// blurred images, or any given taps (mblur's MotionBlurKernel).
import Foundation
import Tensors

/// Depthwise blur weights.
public enum BlurKernel {
  /// A Gaussian of `sigma` pixels over (2·radius + 1)² taps, normalised to sum 1.
  public static func gaussian(radius: Int, sigma: Float, channels: Int) throws -> Tensor {
    var taps = [Float]()
    for y in -radius...radius { for x in -radius...radius { taps.append(Foundation.exp(-Float(x * x + y * y) / (2 * sigma * sigma))) } }
    let sum = taps.reduce(0, +)
    return try depthwise(taps.map { $0 / sum }, channels: channels)
  }

  /// `taps` (a square of odd side, row-major) repeated for `channels` channels.
  public static func depthwise(_ taps: [Float], channels: Int) throws -> Tensor {
    let side = Int(Double(taps.count).squareRoot())
    precondition(side * side == taps.count && side % 2 == 1, "BlurKernel: \(taps.count) taps are not an odd square")
    return try Tensor(shape: [channels, 1, side, side], values: Array([[Float]](repeating: taps, count: channels).joined()))
  }
}
