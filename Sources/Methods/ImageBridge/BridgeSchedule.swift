// BridgeSchedule: I2SB's diffusion bridge between the clean image x₀ (step 0) and the degraded
// image x₁ (step N−1), in float64 as the authors' code computes it (algorithms.md §4.1–4.2):
//   b = linspace(√1e-4, √(β_max/N), N)², β = [b₀…b_{N/2−1}, b_{N/2−1}…b₀]  (symmetric)
//   σ_n² = Σ_{k≤n} β_k (from x₀),  σ̄_n² = Σ_{k≥n} β_k (from x₁)
//   q(x_n | x₀, x₁) = N(μ_n, s_n²): μ_n = σ̄_n²/(σ_n²+σ̄_n²)·x₀ + σ_n²/(σ_n²+σ̄_n²)·x₁,
//                                    s_n² = σ_n²σ̄_n²/(σ_n²+σ̄_n²)              ("eq 11")
// plus the network's time input t_n = N·linspace(1e-4, 1, N)[n], the DDPM posterior
// p(x_{n'} | x₀, x_n) of a sampling step ("eq 4") and the NFE step list.

/// The symmetric quadratic β schedule and everything derived from it.
public struct BridgeSchedule: Sendable {
  /// β_n, n = 0…N−1.
  public let betas: [Double]
  /// σ_n (std_fwd).
  public let sigmaForward: [Double]
  /// σ̄_n (std_bwd).
  public let sigmaBackward: [Double]

  /// `steps` (N, even) values with `betaMax` (0.3 for JPEG and 4× SR, 1.0 for deblurring and
  /// inpainting).
  public init(steps: Int = 1000, betaMax: Double = 0.3) {
    precondition(steps >= 2 && steps % 2 == 0, "BridgeSchedule: steps \(steps) must be even and at least 2")
    let start = 1e-4.squareRoot(), end = (betaMax / Double(steps)).squareRoot()
    let quadratic = (0..<steps).map { i -> Double in
      let r = start + (end - start) * Double(i) / Double(steps - 1)
      return r * r
    }
    let half = Array(quadratic.prefix(steps / 2))
    betas = half + half.reversed()
    var forward = 0.0, backward = 0.0
    sigmaForward = betas.map { forward += $0; return forward.squareRoot() }
    sigmaBackward = Array(betas.reversed().map { backward += $0; return backward.squareRoot() }.reversed())
  }

  public var steps: Int { betas.count }

  /// (coefficient of x₀, coefficient of x₁, std) of q(x_n | x₀, x₁).
  public func marginal(_ n: Int) -> (x0: Double, x1: Double, std: Double) {
    let a = sigmaForward[n] * sigmaForward[n], b = sigmaBackward[n] * sigmaBackward[n]
    return (b / (a + b), a / (a + b), (a * b / (a + b)).squareRoot())
  }

  /// (coefficient of x̂₀, coefficient of x_n, std) of the posterior p(x_{previous} | x₀, x_n),
  /// previous < n; the std is 0 when `previous` is 0 (the last step adds no noise).
  public func posterior(from n: Int, to previous: Int) -> (x0: Double, xn: Double, std: Double) {
    let sp = sigmaForward[previous] * sigmaForward[previous]
    let delta = sigmaForward[n] * sigmaForward[n] - sp
    let std = previous > 0 ? (sp * delta / (sp + delta)).squareRoot() : 0
    return (delta / (sp + delta), sp / (sp + delta), std)
  }

  /// The network's time input at step n: N · linspace(1e-4, 1, N)[n] (∈ [0.1, 1000] for N = 1000).
  public func timeInput(_ n: Int) -> Float {
    Float(Double(steps) * (1e-4 + (1 - 1e-4) * Double(n) / Double(steps - 1)))
  }

  /// The step list of a sampler with `nfe` network evaluations: nfe + 1 indices evenly spaced
  /// over [0, N−1] as the authors' `space_indices` (a running sum rounded half to even, as
  /// Python's round): NFE 2 → [0, 500, 999].
  public func stepIndices(nfe: Int) -> [Int] { BridgeSchedule.stepIndices(steps: steps, nfe: nfe) }

  /// The step list of `nfe` evaluations over `steps` training steps (see the method above).
  public static func stepIndices(steps: Int, nfe: Int) -> [Int] {
    let count = nfe + 1
    let stride = count <= 1 ? 1 : Double(steps - 1) / Double(count - 1)
    var position = 0.0
    return (0..<count).map { _ in
      defer { position += stride }
      return Int(position.rounded(.toNearestOrEven))
    }
  }
}
