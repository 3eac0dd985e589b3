// NoiseSchedule: the diffusion net's linear β schedule and the per-sample noise level γ = ᾱ
// (algorithms.md §1.4): β_t = linspace(1e-6, 1e-2, 1000), γ_t = ∏_{k≤t}(1 − β_k) in Double;
// a sample draws t uniformly in [lo, hi] and γ uniformly between γ_t and γ_{t−1} (SR3/WaveGrad).

/// The cumulative products γ_t of a linear β schedule.
public struct NoiseSchedule: Sendable {
  /// γ_t for t = 0…steps−1.
  public let gammas: [Double]

  /// The released code's schedule: 1000 steps, β from 1e-6 to 1e-2.
  public init(steps: Int = 1000, betaStart: Double = 1e-6, betaEnd: Double = 1e-2) {
    var product = 1.0
    gammas = (0..<steps).map { t in
      let beta = steps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * Double(t) / Double(steps - 1)
      product *= 1 - beta
      return product
    }
  }

  /// A continuous level between γ_t and γ_{t−1}, given t ≥ 1 and u uniform in [0, 1).
  public func gamma(step t: Int, u: Double) -> Double {
    precondition(t >= 1 && t < gammas.count, "step \(t) outside 1..<\(gammas.count)")
    return gammas[t] + (gammas[t - 1] - gammas[t]) * u
  }
}
