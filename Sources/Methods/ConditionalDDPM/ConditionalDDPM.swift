// ConditionalDDPM: the SR3-style baseline I2SB is compared with (issue 11; algorithms.md §6.3):
// an ε-prediction DDPM (DDPMSchedule) whose network sees the noisy clean image and the degraded
// image stacked on channels, net([x_t, x₁], t); t ~ U{0…999}, loss MSE(net, ε). Same network presets, optimiser
// keys and training budget as `i2sb`, so the two compare at equal cost; restores with a
// respaced DDPM sampler at the same NFE (RespacedSampler).
import Layers
import Tensors

/// The conditional DDPM baseline.
public final class ConditionalDDPM: TrainingMethod {
  static let configKeys: [ConfigKey] = [
    ConfigKey(name: "cond_ddpm.network", defaultValue: .string("i2sb-cpu"), help: "network preset (6 input channels: x_t and x₁)"),
    ConfigKey(name: "cond_ddpm.nfe", defaultValue: .int(10), help: "network evaluations of the respaced sampler in validation, eval and restore", bounds: .count),
  ]

  public static let entry = MethodEntry(
    name: "cond-ddpm", summary: "baseline for i2sb: SR3-style conditional DDPM, respaced sampling at the same NFE",
    configKeys: configKeys
  ) { try ConditionalDDPM(settings: $0) }

  public let name = "cond-ddpm"
  public let roles: [NetworkRole]
  public let network: DiffusionUNet
  public let schedule = DDPMSchedule()
  public let nfe: Int

  public init(settings: ConfigReading) throws {
    let preset = settings.string("cond_ddpm.network")
    guard case .diffusion(var config) = try ModelPresets.spec(named: preset) else {
      throw ConfigError(description: "cond_ddpm.network = '\(preset)' is not a diffusion preset; `noiseda inspect model --help` lists the presets")
    }
    config.inChannels = 6
    config.outChannels = 3
    network = DiffusionUNet(config)
    nfe = settings.int("cond_ddpm.nfe")
    guard (1..<schedule.steps).contains(nfe) else { throw ConfigError(description: "cond_ddpm.nfe = \(nfe) must lie in 1…\(schedule.steps - 1)") }
    roles = [NetworkRole(name: "denoiser", preset: preset, module: network, optimizer: .fromOptimKeys(settings))]
  }

  public var dataKinds: [DataKind] { [.pairs] }
  public var phases: [TrainingPhase] { [TrainingPhase(name: "denoiser", roles: ["denoiser"])] }
  public var headlineScalars: [(key: String, label: String)] { [("loss_mse", "loss_mse")] }
  public var inferenceRoles: [String] { ["denoiser"] }

  /// The predicted noise ε(x_t, t | x₁) at integer steps `t` per sample.
  func predictNoise(_ x: Tensor, steps t: [Int], condition x1: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try network(try Tensor.concat([x, x1], axis: 1), gammas: t.map(Float.init), using: &rng)
  }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let (x1, x0) = try batch.pairs(for: name)
    let t = (0..<x0.shape[0]).map { _ in rng.int(below: schedule.steps) }
    let epsilon = Tensor.normal(x0.shape, using: &rng)
    let xt = try schedule.noisy(x0, steps: t, noise: epsilon)
    let loss = try mseLoss(try predictNoise(xt, steps: t, condition: x1, using: &rng), epsilon)
    return StepLosses(total: loss, scalars: ["loss_mse": Double(loss.item)])
  }

  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    SamplerRestoration(try sampler(options))
  }

  public func sampler(_ options: RestorationOptions) throws -> Sampler {
    let nfe = options.steps ?? self.nfe
    guard (1..<schedule.steps).contains(nfe) else { throw ConfigError(description: "--nfe \(nfe) must lie in 1…\(schedule.steps - 1)") }
    guard !options.deterministic else { throw ConfigError(description: "\(name)'s sampler has no OT-ODE mode; drop --ot-ode") }
    return RespacedSampler(schedule: schedule, nfe: nfe, sizeMultiple: network.config.sizeMultiple, conditional: true) {
      [self] x, t, x1, rng in try predictNoise(x, steps: t, condition: x1!, using: &rng)
    }
  }
}
