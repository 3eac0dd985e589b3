// RespacedSampler: ancestral DDPM sampling on a respaced subsequence of the 1000 training steps
// (DDPMSchedule): from x ~ N(0, I) at the highest kept step, each of the K steps predicts ε at its
// step, forms x̂₀ (clamped) and takes the posterior step to the next kept step, with noise except
// at the last. The network is a closure, so the conditional DDPM (ε(x, t | x₁)) and the
// unconditional prior (ε(x, t)) share it.
import Tensors

/// A K-step ancestral DDPM sampler.
struct RespacedSampler: Sampler {
  let schedule: DDPMSchedule
  let nfe: Int
  let sizeMultiple: Int
  /// Whether the network needs the degraded image (a conditional DDPM).
  let conditional: Bool
  /// ε̂(x, t per sample, the degraded image if any).
  let predictNoise: (Tensor, [Int], Tensor?, inout PhiloxRandom) throws -> Tensor

  var steps: Int { nfe }
  var needsImageGradient: Bool { false }

  /// τ_0 … τ_{K−1}.
  var kept: [Int] { schedule.keptSteps(nfe: nfe) }

  func start(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    if conditional && degraded == nil {
      throw TensorError.invalidArgument(op: "ddpm", reason: "the conditional DDPM samples from a degraded image; use noiseda restore --input")
    }
    return Tensor.normal(shape, using: &rng)
  }

  func update(_ x: Tensor, step k: Int, degraded: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
    let tau = kept[k - 1]
    let epsilon = try predictNoise(x, [Int](repeating: tau, count: x.shape[0]), degraded, &rng)
    let x0 = try schedule.predictedClean(x, noise: epsilon, step: tau)
    let noise = k >= 2 ? Tensor.normal(x.shape, using: &rng) : nil
    return try schedule.step(x, clean: x0, from: tau, to: k >= 2 ? kept[k - 2] : nil, noise: noise)
  }
}
