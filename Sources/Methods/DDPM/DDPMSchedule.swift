// DDPMSchedule: the ε-prediction DDPM both cond-ddpm and the ddpm prior use (Ho et al. 2020; DPS's
// configs): linear β from 1e-4 to 2e-2 over 1000 steps, ᾱ_t in float64, the forward sample
// x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, x̂₀ from a predicted ε, and one ancestral step on a respaced step
// list (guided-diffusion's respacing): from τ to τ' < τ (ᾱ' = 1 past the last kept step),
// α = ᾱ_τ/ᾱ', β = 1 − α,
//   x ← √ᾱ'·β/(1 − ᾱ_τ)·x̂₀ + √α·(1 − ᾱ')/(1 − ᾱ_τ)·x + √(β·(1 − ᾱ')/(1 − ᾱ_τ))·z.
import Tensors

/// The linear-β DDPM.
public struct DDPMSchedule: Sendable {
  /// ᾱ_t, t = 0…999.
  public let alphaBars: [Double]

  public init() { alphaBars = NoiseSchedule(steps: 1000, betaStart: 1e-4, betaEnd: 2e-2).gammas }

  public var steps: Int { alphaBars.count }

  /// √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, one t per sample.
  public func noisy(_ x0: Tensor, steps t: [Int], noise: Tensor) throws -> Tensor {
    let n = t.count
    let signal = try Tensor(shape: [n, 1, 1, 1], values: t.map { Float(alphaBars[$0].squareRoot()) })
    let scale = try Tensor(shape: [n, 1, 1, 1], values: t.map { Float((1 - alphaBars[$0]).squareRoot()) })
    return try x0 * signal + noise * scale
  }

  /// x̂₀ = (x − √(1 − ᾱ_τ)·ε̂)/√ᾱ_τ, clamped to [−1, 1].
  public func predictedClean(_ x: Tensor, noise epsilon: Tensor, step tau: Int) throws -> Tensor {
    let a = alphaBars[tau]
    return try ((x - epsilon * Float((1 - a).squareRoot())) * Float(1 / a.squareRoot())).clamp(min: -1, max: 1)
  }

  /// The kept steps of a K-evaluation respaced sampler: the K upper points of I2SB's step list for
  /// the same NFE (NFE 2 → [500, 999]), so the methods compared evaluate at the same steps.
  public func keptSteps(nfe: Int) -> [Int] { Array(BridgeSchedule.stepIndices(steps: steps, nfe: nfe).dropFirst()) }

  /// One ancestral step from τ to τ' (nil: past the last kept step, ᾱ' = 1) given x̂₀; `noise`
  /// (nil: none) scaled by the posterior's std.
  public func step(_ x: Tensor, clean x0: Tensor, from tau: Int, to previous: Int?, noise: Tensor?) throws -> Tensor {
    let alphaBar = alphaBars[tau], before = previous.map { alphaBars[$0] } ?? 1
    let alpha = alphaBar / before, beta = 1 - alpha
    let next = try x0 * Float(before.squareRoot() * beta / (1 - alphaBar)) + x * Float(alpha.squareRoot() * (1 - before) / (1 - alphaBar))
    guard let noise, previous != nil else { return next }
    return try next + noise * Float((beta * (1 - before) / (1 - alphaBar)).squareRoot())
  }
}
