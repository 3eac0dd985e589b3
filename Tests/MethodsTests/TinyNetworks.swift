// TinyNetworks: restorer and noise predictor stand-ins with a handful of parameters, so a DA
// step's gradients can be checked against finite differences in milliseconds.
import Methods
import Tensors

/// R(x) = a·x + b·x² (per-channel a, b as [1, 3, 1, 1]).
final class TinyRestorer: ResidualRestorer {
  let a: Tensor, b: Tensor
  init(seed: UInt64) {
    var rng = PhiloxRandom(seed: seed)
    a = Tensor.uniform([1, 3, 1, 1], -0.5, 0.5, using: &rng)
    b = Tensor.uniform([1, 3, 1, 1], -0.5, 0.5, using: &rng)
  }
  func residual(_ x: Tensor) throws -> Tensor { try x * a + x.square() * b }
}

/// ε_θ(input, γ) = Σ_k w_k · slot_k(input) + γ·c, a per-slot weighted sum of the three RGB slots.
final class TinyNoisePredictor: NoisePredictor {
  let w: Tensor, c: Tensor
  init(seed: UInt64) {
    var rng = PhiloxRandom(seed: seed)
    w = Tensor.uniform([3, 1, 3, 1, 1], -1, 1, using: &rng)
    c = Tensor.uniform([1, 3, 1, 1], -1, 1, using: &rng)
  }
  func predictNoise(_ input: Tensor, gamma: [Float], using rng: inout PhiloxRandom) throws -> Tensor {
    let n = input.shape[0]
    var out = try Tensor(shape: [n, 1, 1, 1], values: gamma) * c
    for k in 0..<3 {
      let slot = try input.slice(axis: 1, range: 3 * k..<3 * k + 3)
      out = try out + slot * w.slice(axis: 0, range: k..<k + 1).reshaped([1, 3, 1, 1])
    }
    return out
  }
}

/// Wraps a noise predictor and keeps the last input it was given.
final class RecordingNoisePredictor: NoisePredictor {
  let inner: NoisePredictor
  var lastInput: Tensor?
  init(_ inner: NoisePredictor) { self.inner = inner }
  func predictNoise(_ input: Tensor, gamma: [Float], using rng: inout PhiloxRandom) throws -> Tensor {
    lastInput = input
    return try inner.predictNoise(input, gamma: gamma, using: &rng)
  }
}
