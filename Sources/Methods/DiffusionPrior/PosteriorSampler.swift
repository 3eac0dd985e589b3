// PosteriorSampler: Diffusion Posterior Sampling (Chung et al. 2023; algorithms.md §5.4) through
// the frozen DDPM prior, on its respaced step list. From x ~ N(0, I), at each kept step τ with
// x requiring a gradient:
//   ε̂ = ε_θ(x, τ); x̂₀ = (x − √(1 − ᾱ)·ε̂)/√ᾱ (clamped); x′ = the ancestral step from (x, x̂₀);
//   ℒ = ‖y − A(x̂₀)‖₂ (DPS's un-squared norm) + α(n)·E(x̂₀) (EquiReg, when a penalty is given;
//   n counts solver steps from 0); x ← x′ − ζ·∇ₓℒ   (the gradient through ε_θ and f).
// In a batch each image's norm is taken on its own and the losses summed, so the images of a batch
// are solved as they would be one by one. y is the measurement (the sampler's `degraded` input,
// of A's output shape), `shape` the image's.
import Tensors

/// DPS with one measurement operator.
public struct PosteriorSampler: Sampler {
  let prior: DiffusionPrior
  let measurement: MeasurementOperator
  let nfe: Int
  /// ζ, DPS's step size ("scale"): 0.3 for SR and deblurring, 0.5 for inpainting.
  let zeta: Float
  /// EquiReg's penalty on x̂₀, or nil for plain DPS.
  let penalty: EquivariancePenalty?

  public var steps: Int { nfe }
  public var needsImageGradient: Bool { true }
  public var sizeMultiple: Int { prior.network.config.sizeMultiple }
  var kept: [Int] { prior.schedule.keptSteps(nfe: nfe) }

  public func start(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    guard degraded != nil else { throw TensorError.invalidArgument(op: "dps", reason: "posterior sampling needs a measurement y") }
    return Tensor.normal(shape, using: &rng)
  }

  public func update(_ x: Tensor, step k: Int, degraded: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
    let tau = kept[k - 1], schedule = prior.schedule
    let epsilon = try prior.predictNoise(x, steps: [Int](repeating: tau, count: x.shape[0]), using: &rng)
    let x0 = try schedule.predictedClean(x, noise: epsilon, step: tau)
    let noise = k >= 2 ? Tensor.normal(x.shape, using: &rng) : nil
    let next = try Autograd.withoutGradients {
      try schedule.step(x.detached(), clean: x0.detached(), from: tau, to: k >= 2 ? kept[k - 2] : nil, noise: noise)
    }
    guard zeta != 0 else { return next }
    var loss = try (degraded! - measurement.apply(x0)).square().sum(axes: [1, 2, 3]).sqrt().sum()
    if let penalty, let equivariance = try penalty.penalty(x0, step: nfe - k, total: nfe) {
      loss = try loss + equivariance
    }
    try loss.backward()
    return try Autograd.withoutGradients { try next - x.grad! * zeta }
  }
}
