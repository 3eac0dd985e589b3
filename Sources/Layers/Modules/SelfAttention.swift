// SelfAttention: guided-diffusion's AttentionBlock with the legacy head layout
// (QKVAttentionLegacy) — GroupNorm, a 1×1 projection to 3·C channels read per head as
// [q(d), k(d), v(d)], softmax(qᵀk/√d) over all H·W positions, a 1×1 output projection and a
// residual add. Parameter names `norm`, `qkv`, `proj_out` as in the released code.
import Tensors

/// Multi-head self-attention over the spatial positions of `[N, C, H, W]`.
public final class SelfAttention: Module {
  public let channels: Int
  public let heads: Int
  public let norm: GroupNorm
  public let qkv: PointwiseConv1d
  public let projOut: PointwiseConv1d
  public var isTraining = true

  /// `channels` split into heads of `headChannels` each; GroupNorm with `groups` groups.
  public init(channels: Int, headChannels: Int, groups: Int) {
    precondition(channels % headChannels == 0, "SelfAttention: \(channels) channels not divisible into heads of \(headChannels)")
    self.channels = channels
    heads = channels / headChannels
    norm = GroupNorm(groups: groups, channels: channels)
    qkv = PointwiseConv1d(channels, 3 * channels)
    projOut = PointwiseConv1d(channels, channels)
  }

  public var children: [(String, Module)] { [("norm", norm), ("qkv", qkv), ("proj_out", projOut)] }

  public var layerDescription: String { "AttentionBlock(\(channels), heads=\(heads))" }

  /// `[N, C, H, W]` → same shape.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let t = h * w, d = c / heads
    // [N, 3C, H, W] → [N·heads, 3d, T] → q, k, v of [N·heads, d, T].
    let parts = try qkv(try norm(x)).reshaped([n * heads, 3 * d, t]).split(sizes: [d, d, d], axis: 1)
    let scale = 1 / Float(d).squareRoot()
    // weights[b, t, s] = softmax_s(Σ_c q[b, c, t] k[b, c, s] / √d)
    let logits = try matmul(try parts[0].permuted([0, 2, 1]), parts[1]) * scale
    let weights = try logits.softmax(axis: 2)
    // a[b, c, t] = Σ_s v[b, c, s] weights[b, t, s]
    let attended = try matmul(parts[2], try weights.permuted([0, 2, 1]))
    let y = try x + projOut(try attended.reshaped([n, c, h, w]))
    // The two attention products, qᵀk and v·weightsᵀ (the projections record themselves).
    ForwardTrace.record(self, y, flops: 2 * 2 * Double(n * heads) * Double(t * t * d))
    return y
  }
}
