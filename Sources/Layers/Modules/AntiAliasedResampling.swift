// AntiAliasedResampling: CUT's fixed-filter `Downsample` and `Upsample` (models/networks.py,
// after Zhang's "Making convolutional networks shift-invariant again"), used by its generator
// and discriminator (algorithms.md §2.1). Both are depthwise convolutions with a normalised
// binomial filter, the same for every channel; the filters are constants (PyTorch buffers), not
// parameters, so these layers add nothing to the parameter count or the state dict's weights.
import Tensors

/// The k×k binomial filter `taps`ᵀ·`taps` divided by its sum, row-major (CUT's `get_filter`).
func binomialFilter(_ taps: [Float]) -> [Float] {
  let sum = taps.reduce(0, +)
  return taps.flatMap { a in taps.map { b in a * b / (sum * sum) } }
}

/// `filter` (k×k) repeated for each of `channels`: a depthwise weight `[channels, 1, k, k]`.
private func depthwiseWeight(_ filter: [Float], channels: Int) -> Tensor {
  let k = Int(Double(filter.count).squareRoot())
  return try! Tensor(shape: [channels, 1, k, k], values: Array(repeating: filter, count: channels).flatMap { $0 })
}

/// Blur, then subsample by 2: reflect pad 1, depthwise 3×3 conv with [1, 2, 1]ᵀ[1, 2, 1] / 16,
/// stride 2. `[N, C, H, W]` → `[N, C, ⌈H/2⌉, ⌈W/2⌉]`.
public final class AntiAliasedDownsample: Module, UnaryModule {
  public let channels: Int
  /// `[C, 1, 3, 3]`, fixed.
  public let filter: Tensor
  public var isTraining = true

  /// CUT's `Downsample(channels)` (reflect padding, filter size 3, stride 2).
  public init(channels: Int) {
    self.channels = channels
    filter = depthwiseWeight(binomialFilter([1, 2, 1]), channels: channels)
  }

  public var layerDescription: String { "Downsample(\(channels), blur 3×3, s=2)" }

  /// `[N, C, H, W]` → `[N, C, ⌈H/2⌉, ⌈W/2⌉]` (H, W ≥ 2).
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try conv2d(x, weight: filter, bias: nil, stride: 2, padding: 1, paddingMode: .reflect, groups: channels)
    ForwardTrace.record(self, y, flops: 2 * Double(y.count) * 9)
    return y
  }
}

/// Upsample by 2, then blur: replicate pad 1, depthwise transposed conv (stride 2) with
/// 4 · [1, 3, 3, 1]ᵀ[1, 3, 3, 1] / 64. `[N, C, H, W]` → `[N, C, 2H, 2W]`.
///
/// CUT runs the transposed conv with padding 2 and then drops the first and the last row and
/// column; cropping one more row and column on each side is what padding 3 does, so this
/// layer uses padding 3 and computes the same numbers with no crop.
public final class AntiAliasedUpsample: Module, UnaryModule {
  public let channels: Int
  /// `[C, 1, 4, 4]`, fixed; the factor 4 = stride² keeps a constant image constant.
  public let filter: Tensor
  public var isTraining = true

  /// CUT's `Upsample(channels)` (replicate padding, filter size 4, stride 2).
  public init(channels: Int) {
    self.channels = channels
    filter = depthwiseWeight(binomialFilter([1, 3, 3, 1]).map { 4 * $0 }, channels: channels)
  }

  public var layerDescription: String { "Upsample(\(channels), blur 4×4, s=2)" }

  /// `[N, C, H, W]` → `[N, C, 2H, 2W]`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let padded = try x.padded(top: 1, bottom: 1, left: 1, right: 1, mode: .replicate)
    let y = try convTranspose2d(padded, weight: filter, bias: nil, stride: 2, padding: 3, groups: channels)
    ForwardTrace.record(self, y, flops: 2 * Double(padded.count) * 16)
    return y
  }
}
