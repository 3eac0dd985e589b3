// NoiseLevelEmbedding: guided-diffusion's `gamma_embedding` as Noise-DA uses it — the
// continuous noise level γ = ᾱ (not a timestep) mapped to [cos(γ·f₀…f_{h−1}), sin(γ·f₀…f_{h−1})],
// f_i = 10000^(−i/h), h = dim/2, followed by Linear(dim → 4·dim), SiLU, Linear(4·dim → 4·dim)
// (parameter names `0.*` and `2.*`, as the `nn.Sequential` `cond_embed`).
import Foundation
import Tensors

/// The sinusoidal features of noise levels: `[N]` values → `[N, dim]` (no gradient).
public func sinusoidalEmbedding(_ gammas: [Float], dim: Int, maxPeriod: Float = 10_000) -> Tensor {
  let half = dim / 2
  let out = Tensor.zeros([gammas.count, dim])  // an odd dim leaves the last column zero
  for (n, g) in gammas.enumerated() {
    for i in 0..<half {
      let freq = Foundation.exp(-Foundation.log(maxPeriod) * Float(i) / Float(half))
      out.data[n * dim + i] = Foundation.cos(g * freq)
      out.data[n * dim + half + i] = Foundation.sin(g * freq)
    }
  }
  return out
}

/// γ → the conditioning vector every ResBlock reads: `[N]` → `[N, 4·dim]`.
public final class NoiseLevelEmbedding: Module {
  /// Width of the sinusoidal features (the U-Net's base width).
  public let dim: Int
  public let first: Linear
  public let second: Linear
  public var isTraining = true

  /// Features of width `dim`, embedding of width `embedDim` (4·dim in guided diffusion).
  public init(dim: Int, embedDim: Int) {
    self.dim = dim
    first = Linear(dim, embedDim)
    second = Linear(embedDim, embedDim)
  }

  public var children: [(String, Module)] { [("0", first), ("2", second)] }

  /// Noise levels `[N]` → `[N, embedDim]`.
  public func callAsFunction(_ gammas: [Float]) throws -> Tensor {
    try second(try first(sinusoidalEmbedding(gammas, dim: dim)).silu())
  }
}
