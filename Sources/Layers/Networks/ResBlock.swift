// ResBlock: guided-diffusion's ResBlock with scale-shift conditioning (use_scale_shift_norm),
// as in Noise-DA's models/guided_diffusion_modules/unet.py (algorithms.md §1.3):
//   h = conv3×3(resample(SiLU(GN(x)))),  (s, b) = split(Linear(SiLU(emb))),
//   h = conv3×3(Dropout(SiLU(GN(h)·(1 + s) + b))),  out = skip(resample(x)) + h,
// where resample is identity, 2×2 average pooling (down) or nearest ×2 (up), and skip is the
// identity or a 1×1 conv when the channel count changes. Names `in_layers.0/2`,
// `emb_layers.1`, `out_layers.0/3`, `skip_connection`.
import Tensors

/// A conditioned residual block: `[N, ch, H, W]`, emb `[N, E]` → `[N, out, H', W']`.
public final class ResBlock: Module {
  /// Spatial resampling inside the block.
  public enum Resample: Sendable { case none, down, up }

  public let inChannels: Int
  public let outChannels: Int
  public let resample: Resample
  public let inNorm: GroupNorm
  public let inConv: Conv2d
  public let embLinear: Linear
  public let outNorm: GroupNorm
  public let dropout: Dropout
  public let outConv: Conv2d
  public let skip: Conv2d?
  public var isTraining = true

  public init(
    _ inChannels: Int, _ outChannels: Int, embedDim: Int, dropout: Float, groups: Int, resample: Resample = .none
  ) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.resample = resample
    inNorm = GroupNorm(groups: groups, channels: inChannels)
    inConv = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1)
    embLinear = Linear(embedDim, 2 * outChannels)
    outNorm = GroupNorm(groups: groups, channels: outChannels)
    self.dropout = Dropout(p: dropout)
    outConv = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1)
    skip = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernelSize: 1)
  }

  public var children: [(String, Module)] {
    [
      ("in_layers.0", inNorm), ("in_layers.2", inConv), ("emb_layers.1", embLinear), ("out_layers.0", outNorm),
      ("out_layers.2", dropout), ("out_layers.3", outConv),
    ] + (skip.map { [("skip_connection", $0 as Module)] } ?? [])
  }

  public var layerDescription: String {
    "ResBlock(\(inChannels), \(outChannels)" + (resample == .down ? ", down" : resample == .up ? ", up" : "") + ")"
  }

  private func resampled(_ x: Tensor) throws -> Tensor {
    switch resample {
    case .none: return x
    case .down: return try x.avgPool2d(kernel: 2, stride: 2)
    case .up: return x.upsampleNearest2x()
    }
  }

  /// `[N, in, H, W]`, `[N, E]` → `[N, out, H', W']` (H' = H/2 down, 2H up).
  public func callAsFunction(_ x: Tensor, emb: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    let n = x.shape[0]
    var h = try inConv(try resampled(try inNorm(x).silu()))
    let e = try embLinear(emb.silu()).reshaped([n, 2 * outChannels, 1, 1]).split(sizes: [outChannels, outChannels], axis: 1)
    h = try (try outNorm(h) * (e[0] + 1)) + e[1]
    h = try outConv(dropout(h.silu(), using: &rng))
    let shortcut = try resampled(x)
    return try (try skip.map { try $0(shortcut) } ?? shortcut) + h
  }
}
