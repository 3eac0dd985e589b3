// ImageToImageBridge: I2SB (algorithms.md §4.3–4.4) as a TrainingMethod. One role, `bridge`: a
// diffusion U-Net (presets i2sb-cpu, i2sb-paper) whose time input is t_n (BridgeSchedule) and
// whose input is x_n, or [x_n, x₁] with `i2sb.cond_x1`. Per sample n ~ U{0…N−1},
// x_n ~ q(x_n | x₀, x₁) (x_n = μ_n under `i2sb.ot_ode`), label (x_n − x₀)/σ_n, loss MSE (inside
// the mask for inpainting). x₀ and x₁ come from pair shards (input x₁, target x₀), or, for
// inpainting (`i2sb.mask`: `center`, the centre box, or `freeform1020|2030|3040`, free-form strokes
// (FreeformMask) drawn per sample from the step's generator), from clean shards with
// x₁ = (1 − m)·x₀ + m·N(0, I).
// AdamW with the step decay of `i2sb.lr_step`/`i2sb.lr_gamma`, EMA `ema.decay`. Restores with
// BridgeSampler at `i2sb.nfe` network evaluations (`noiseda restore --nfe K`).
import Layers
import Tensors

/// Image-to-image Schrödinger bridge training.
public final class ImageToImageBridge: TrainingMethod {
  static let configKeys: [ConfigKey] = [
    ConfigKey(name: "i2sb.network", defaultValue: .string("i2sb-cpu"), help: "bridge network preset (i2sb-cpu, i2sb-paper, or any diffusion preset)"),
    ConfigKey(name: "i2sb.beta_max", defaultValue: .double(0.3), help: "β_max of the symmetric schedule: 0.3 for JPEG and 4× SR, 1.0 for deblurring and inpainting", bounds: .positive),
    ConfigKey(name: "i2sb.ot_ode", defaultValue: .bool(false), help: "OT-ODE: x_n = μ_n in training and no noise in sampling"),
    ConfigKey(name: "i2sb.cond_x1", defaultValue: .bool(false), help: "concatenate x₁ to the network input (6 channels)"),
    ConfigKey(name: "i2sb.mask", defaultValue: .string("none"), help: "none | center | freeform1020 | freeform2030 | freeform3040: inpainting from clean shards (the centre box, or free-form strokes covering 10–20/20–30/30–40 % drawn per sample), masked loss, known pixels re-imposed in sampling"),
    ConfigKey(name: "i2sb.nfe", defaultValue: .int(10), help: "network evaluations of the sampler in validation, eval and restore (noiseda restore --nfe overrides)", bounds: .count),
    ConfigKey(name: "i2sb.lr_step", defaultValue: .int(1000), help: "the learning rate is multiplied by i2sb.lr_gamma every this many steps (StepLR)", bounds: .count),
    ConfigKey(name: "i2sb.lr_gamma", defaultValue: .double(0.99), help: "factor of each learning-rate decay", bounds: .above(0, upTo: 1)),
  ]

  public static let entry = MethodEntry(
    name: "i2sb", summary: "I2SB: image-to-image Schrödinger bridge, few-step sampling from the degraded image (algorithms.md §4)",
    configKeys: configKeys
  ) { try ImageToImageBridge(settings: $0) }

  /// Inpainting masks: none, the centre box, or free-form strokes drawn per sample.
  public enum Mask: Equatable, Sendable {
    case none, center
    case freeform(FreeformMask)

    /// The mask spelled `name` (none, center, freeform1020, freeform2030, freeform3040), or nil.
    init?(named name: String) {
      switch name {
      case "none": self = .none
      case "center": self = .center
      default:
        guard let freeform = FreeformMask(named: name) else { return nil }
        self = .freeform(freeform)
      }
    }
  }

  public let name = "i2sb"
  public let roles: [NetworkRole]
  public let schedule: BridgeSchedule
  public let network: DiffusionUNet
  public let otODE: Bool
  public let conditionOnX1: Bool
  public let mask: Mask
  public let nfe: Int

  public init(settings: ConfigReading) throws {
    let preset = settings.string("i2sb.network")
    guard case .diffusion(var config) = try ModelPresets.spec(named: preset) else {
      throw ConfigError(description: "i2sb.network = '\(preset)' is not a diffusion preset; `noiseda inspect model --help` lists the presets")
    }
    conditionOnX1 = settings.bool("i2sb.cond_x1")
    config.inChannels = conditionOnX1 ? 6 : 3
    config.outChannels = 3
    network = DiffusionUNet(config)
    let betaMax = settings.double("i2sb.beta_max")
    guard betaMax > 0 else { throw ConfigError(description: "i2sb.beta_max = \(betaMax) must be positive (0.3 or 1.0 in the paper)") }
    schedule = BridgeSchedule(betaMax: betaMax)
    otODE = settings.bool("i2sb.ot_ode")
    let maskName = settings.string("i2sb.mask")
    guard let mask = Mask(named: maskName) else {
      throw ConfigError(description: "i2sb.mask = '\(maskName)' must be none, center, freeform1020, freeform2030 or freeform3040")
    }
    self.mask = mask
    guard mask == .none || !conditionOnX1 else {
      throw ConfigError(description: "i2sb.cond_x1 with i2sb.mask: \(maskName) is not supported; set one of them off")
    }
    nfe = settings.int("i2sb.nfe")
    guard (1..<schedule.steps).contains(nfe) else { throw ConfigError(description: "i2sb.nfe = \(nfe) must lie in 1…\(schedule.steps - 1)") }
    var optimizer = OptimizerSettings.fromOptimKeys(settings)
    optimizer.kind = .adamW
    optimizer.schedule = .stepDecay(every: settings.int("i2sb.lr_step"), factor: settings.double("i2sb.lr_gamma"))
    roles = [NetworkRole(name: "bridge", preset: preset, module: network, optimizer: optimizer)]
  }

  public var dataKinds: [DataKind] { mask == .none ? [.pairs] : [.clean] }
  public var phases: [TrainingPhase] { [TrainingPhase(name: "bridge", roles: ["bridge"])] }
  public var headlineScalars: [(key: String, label: String)] { [("loss_mse", "loss_mse")] }
  public var inferenceRoles: [String] { ["bridge"] }

  /// (x₀, x₁) of a batch: the stored pair, or a clean image and its masked, noise-filled copy.
  func endpoints(_ batch: TrainingBatch, using rng: inout PhiloxRandom) throws -> (x0: Tensor, x1: Tensor, mask: Tensor?) {
    guard mask != .none else {
      let (x1, x0) = try batch.pairs(for: name)
      return (x0, x1, nil)
    }
    let x0 = try batch.cleanImages(for: name)
    let m = try inpaintingMask(like: x0, using: &rng)!
    return (x0, try ImageToImageBridge.fillMasked(x0, mask: m, using: &rng), m)
  }

  /// The missing pixels (1) of images shaped like `x` (`[N, C, H, W]`): the centre box
  /// `[1, 1, H, W]`, one free-form mask per image `[N, 1, H, W]` drawn from `rng`, or nil.
  func inpaintingMask(like x: Tensor, using rng: inout PhiloxRandom) throws -> Tensor? {
    switch mask {
    case .none: return nil
    case .center: return ImageToImageBridge.centerMask(like: x)
    case .freeform(let freeform):
      return try Tensor.concat((0..<x.shape[0]).map { _ in freeform.draw(height: x.shape[2], width: x.shape[3], using: &rng) }, axis: 0)
    }
  }

  /// The bridge network's prediction at step n per sample: net(x_n [, x₁], t_n).
  func predict(_ x: Tensor, steps: [Int], x1: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    let input = conditionOnX1 ? try Tensor.concat([x, x1], axis: 1) : x
    return try network(input, gammas: steps.map(schedule.timeInput), using: &rng)
  }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let (x0, x1, m) = try endpoints(batch, using: &rng)
    let steps = (0..<x0.shape[0]).map { _ in rng.int(below: schedule.steps) }
    let noise = otODE ? nil : Tensor.normal(x0.shape, using: &rng)
    let loss = try bridgeLoss(x0: x0, x1: x1, steps: steps, noise: noise, mask: m, using: &rng)
    return StepLosses(total: loss, scalars: ["loss_mse": Double(loss.item)])
  }

  /// The loss at given steps n (one per sample) and bridge noise ε (nil: OT-ODE, x_n = μ_n):
  /// x_n = μ_n(x₀, x₁) + s_n·ε, label (x_n − x₀)/σ_n, MSE of net(x_n, t_n) against it, both
  /// multiplied by `mask` when given. `rng` drives the network's dropout, if any.
  public func bridgeLoss(x0: Tensor, x1: Tensor, steps: [Int], noise: Tensor?, mask m: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
    func perSample(_ value: (Int) -> Double) throws -> Tensor {
      try Tensor(shape: [steps.count, 1, 1, 1], values: steps.map { Float(value($0)) })
    }
    var xn = try x0 * perSample { schedule.marginal($0).x0 } + x1 * perSample { schedule.marginal($0).x1 }
    if let noise { xn = try xn + noise * perSample { schedule.marginal($0).std } }
    let label = try (xn - x0) / perSample { schedule.sigmaForward[$0] }
    var prediction = try predict(xn, steps: steps, x1: x1, using: &rng)
    var target = label
    if let m {
      prediction = try prediction * m
      target = try label * m
    }
    return try mseLoss(prediction, target)
  }

  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    SamplerRestoration(try sampler(options))
  }

  public func sampler(_ options: RestorationOptions) throws -> Sampler {
    let nfe = options.steps ?? self.nfe
    guard (1..<schedule.steps).contains(nfe) else { throw ConfigError(description: "--nfe \(nfe) must lie in 1…\(schedule.steps - 1)") }
    return BridgeSampler(method: self, nfe: nfe, otODE: otODE || options.deterministic)
  }

  /// 1 inside the centre box (rows and columns h/4 ..< h/4 + h/2), 0 outside: `[1, 1, H, W]`.
  public static func centerMask(like x: Tensor) -> Tensor {
    let (h, w) = (x.shape[2], x.shape[3])
    let m = Tensor.zeros([1, 1, h, w])
    for y in (h / 4)..<(h / 4 + h / 2) {
      for c in (w / 4)..<(w / 4 + w / 2) { m.data[y * w + c] = 1 }
    }
    return m
  }

  /// (1 − m)·x + m·N(0, I).
  static func fillMasked(_ x: Tensor, mask m: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try x * (1 - m) + Tensor.normal(x.shape, using: &rng) * m
  }
}
