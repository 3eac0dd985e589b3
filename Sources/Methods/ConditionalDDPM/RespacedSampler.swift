// RespacedSampler: ancestral DDPM sampling on a subsequence of the 1000 training steps, as
// guided-diffusion's respacing: the kept steps τ_0 < … < τ_{K−1} are the K upper points of I2SB's
// step list for the same NFE (space_indices over [0, 999] without its 0: NFE 2 → [500, 999]), so
// both evaluate their networks at the same steps, and step i goes from τ_i to τ_{i−1} with
// ᾱ' = ᾱ_{τ_{i−1}} (1 at the end), α = ᾱ_{τ_i}/ᾱ', β = 1 − α:
//   x̂₀ = clamp((x − √(1 − ᾱ)·ε̂) / √ᾱ, −1, 1)
//   x ← √ᾱ'·β/(1 − ᾱ)·x̂₀ + √α·(1 − ᾱ')/(1 − ᾱ)·x + √(β·(1 − ᾱ')/(1 − ᾱ))·z   (no z at the end)
// starting from x ~ N(0, I) at τ_{K−1} = 999; K network evaluations.
import Tensors

/// The conditional DDPM's K-step sampler.
struct RespacedSampler: Sampler {
  let method: ConditionalDDPM
  let nfe: Int

  var steps: Int { nfe }
  var needsImageGradient: Bool { false }
  var sizeMultiple: Int { method.network.config.sizeMultiple }

  /// τ_0 … τ_{K−1}.
  var kept: [Int] { Array(BridgeSchedule.stepIndices(steps: method.alphaBars.count, nfe: nfe).dropFirst()) }

  func start(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    guard degraded != nil else {
      throw TensorError.invalidArgument(op: "cond-ddpm", reason: "the conditional DDPM samples from a degraded image; use noiseda restore --input")
    }
    return Tensor.normal(shape, using: &rng)
  }

  func update(_ x: Tensor, step k: Int, degraded: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
    let tau = kept[k - 1]
    let alphaBar = method.alphaBars[tau], previous = k >= 2 ? method.alphaBars[kept[k - 2]] : 1
    let alpha = alphaBar / previous, beta = 1 - alpha
    let epsilon = try method.predictNoise(x, steps: [Int](repeating: tau, count: x.shape[0]), condition: degraded!, using: &rng)
    let x0 = try ((x - epsilon * Float((1 - alphaBar).squareRoot())) * Float(1 / alphaBar.squareRoot())).clamp(min: -1, max: 1)
    var next = try x0 * Float(previous.squareRoot() * beta / (1 - alphaBar)) + x * Float(alpha.squareRoot() * (1 - previous) / (1 - alphaBar))
    if k >= 2 { next = try next + Tensor.normal(x.shape, using: &rng) * Float((beta * (1 - previous) / (1 - alphaBar)).squareRoot()) }
    return next
  }
}
