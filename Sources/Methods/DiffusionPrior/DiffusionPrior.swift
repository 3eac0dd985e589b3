// DiffusionPrior: method `ddpm` (algorithms.md §5.4, §6.4; issue 12): an unconditional
// ε-prediction DDPM (DDPMSchedule) trained on clean shards only, to serve as the prior of
// diffusion posterior sampling (`noiseda solve`). One role, `prior`: a diffusion U-Net with 3
// channels in and out and the integer-step embedding; t ~ U{0…999}, loss MSE(ε_θ(x_t, t), ε).
// `noiseda sample` draws from it with the respaced ancestral sampler at `ddpm.nfe` steps.
import Layers
import Tensors

/// The unconditional DDPM prior.
public final class DiffusionPrior: TrainingMethod {
  static let configKeys: [ConfigKey] = [
    ConfigKey(name: "ddpm.network", defaultValue: .string("ddpm-cpu"), help: "the prior's network preset (3 channels in and out)"),
    ConfigKey(name: "ddpm.nfe", defaultValue: .int(50), help: "steps of the respaced sampler for noiseda sample (noiseda solve takes --steps)", bounds: .count),
  ]

  public static let entry = MethodEntry(
    name: "ddpm", summary: "an unconditional DDPM prior on clean shards, for diffusion posterior sampling (noiseda solve)",
    configKeys: configKeys
  ) { try DiffusionPrior(settings: $0) }

  public let name = "ddpm"
  public let roles: [NetworkRole]
  public let network: DiffusionUNet
  public let schedule = DDPMSchedule()
  public let nfe: Int

  public init(settings: ConfigReading) throws {
    let preset = settings.string("ddpm.network")
    guard case .diffusion(var config) = try ModelPresets.spec(named: preset) else {
      throw ConfigError(description: "ddpm.network = '\(preset)' is not a diffusion preset; `noiseda inspect model --help` lists the presets")
    }
    config.inChannels = 3
    config.outChannels = 3
    network = DiffusionUNet(config)
    nfe = settings.int("ddpm.nfe")
    guard (1..<schedule.steps).contains(nfe) else { throw ConfigError(description: "ddpm.nfe = \(nfe) must lie in 1…\(schedule.steps - 1)") }
    roles = [NetworkRole(name: "prior", preset: preset, module: network, optimizer: .fromOptimKeys(settings))]
  }

  public var dataKinds: [DataKind] { [.clean] }
  public var phases: [TrainingPhase] { [TrainingPhase(name: "prior", roles: ["prior"])] }
  public var headlineScalars: [(key: String, label: String)] { [("loss_mse", "loss_mse")] }
  public var inferenceRoles: [String] { ["prior"] }

  /// ε̂(x_t, t) at integer steps `t` per sample.
  public func predictNoise(_ x: Tensor, steps t: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    try network(x, gammas: t.map(Float.init), using: &rng)
  }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let x0 = try batch.cleanImages(for: name)
    let t = (0..<x0.shape[0]).map { _ in rng.int(below: schedule.steps) }
    let epsilon = Tensor.normal(x0.shape, using: &rng)
    let loss = try mseLoss(try predictNoise(try schedule.noisy(x0, steps: t, noise: epsilon), steps: t, using: &rng), epsilon)
    return StepLosses(total: loss, scalars: ["loss_mse": Double(loss.item)])
  }

  /// A prior restores nothing by itself: inverse problems go through `noiseda solve`.
  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    throw ConfigError(description: "method ddpm is a prior: solve inverse problems with noiseda solve --prior, draw samples with noiseda sample")
  }

  public func sampler(_ options: RestorationOptions) throws -> Sampler {
    let nfe = options.steps ?? self.nfe
    guard (1..<schedule.steps).contains(nfe) else { throw ConfigError(description: "--nfe \(nfe) must lie in 1…\(schedule.steps - 1)") }
    guard !options.deterministic else { throw ConfigError(description: "\(name)'s sampler has no OT-ODE mode; drop --ot-ode") }
    return RespacedSampler(schedule: schedule, nfe: nfe, sizeMultiple: network.config.sizeMultiple, conditional: false) {
      [self] x, t, _, rng in try predictNoise(x, steps: t, using: &rng)
    }
  }

  /// x̂₀ = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t (clamped) of x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, ε from `rng`.
  public func priorEstimate(of clean: Tensor, noisedTo step: Int, using rng: inout PhiloxRandom) throws -> Tensor {
    guard (0..<schedule.steps).contains(step) else { throw ConfigError(description: "step \(step) must lie in 0…\(schedule.steps - 1)") }
    let t = [Int](repeating: step, count: clean.shape[0])
    let xt = try schedule.noisy(clean, steps: t, noise: Tensor.normal(clean.shape, using: &rng))
    return try schedule.predictedClean(xt, noise: try predictNoise(xt, steps: t, using: &rng), step: step)
  }

  /// Diffusion posterior sampling through this prior (PosteriorSampler), with EquiReg's
  /// penalty when one is given.
  public func posteriorSampler(_ measurement: MeasurementOperator, steps: Int, zeta: Float, penalty: EquivariancePenalty?) throws -> Sampler {
    guard (1..<schedule.steps).contains(steps) else { throw ConfigError(description: "--steps \(steps) must lie in 1…\(schedule.steps - 1)") }
    return PosteriorSampler(prior: self, measurement: measurement, nfe: steps, zeta: zeta, penalty: penalty)
  }
}
