// AdaptationFamily: vanilla, da and da-unpaired as TrainingMethods — the restorer (and for DA the
// 9-channel diffusion net) from the `model.*` presets, both with the shared `optim.*` Adam and
// `ema.decay`, one phase that updates every role, λ_Dif from eq. 5 per step, DA's diagnostics,
// and restoration by one restorer pass. The `da.*` section is declared here.
import Layers
import Tensors

/// Vanilla (the restorer alone), Denoising as Adaptation, and its unpaired extension.
public final class AdaptationFamily: TrainingMethod {
  /// Which of the three.
  public enum Variant: String, CaseIterable, Sendable {
    case vanilla, da
    case daUnpaired = "da-unpaired"
  }

  /// The `da.*` section (vanilla reads none of it).
  static let adaptationKeys: [ConfigKey] = [
    ConfigKey(name: "da.lambda_max", defaultValue: .double(0.2), help: "β of eq. 5: the ceiling of λ_Dif", bounds: .nonNegative),
    ConfigKey(name: "da.lambda_gamma", defaultValue: .double(5), help: "γ of eq. 5: steepness of the λ ramp", bounds: .nonNegative),
    ConfigKey(name: "da.ramp_epochs", defaultValue: .int(300), help: "N of eq. 5 (ctrl_epoch): p = min(epoch / N, 1)", bounds: .count),
    ConfigKey(name: "da.ramp_fraction", defaultValue: .double(0), help: "if > 0, p = min(step / (fraction · train.steps), 1) instead of epochs", bounds: .nonNegative),
    ConfigKey(name: "da.margin", defaultValue: .double(0.1), help: "δ of the contrastive hinge", bounds: .nonNegative),
    ConfigKey(name: "da.t_range", defaultValue: .ints([1, 999]), help: "[lo, hi] of the diffusion step t drawn per sample", bounds: .within(1, 999)),
    ConfigKey(name: "da.channel_shuffle", defaultValue: .bool(true), help: "per-sample random swap of the two condition slots"),
    ConfigKey(name: "da.residual_swap", defaultValue: .bool(true), help: "contrastive negatives x_s + R_r and x_r + R_s"),
    ConfigKey(name: "da.conditions", defaultValue: .string("both"), help: "both | synthetic | real (the other slot duplicates the one kept)"),
  ]

  /// The registry line's entry for `variant`.
  public static func entry(_ variant: Variant) -> MethodEntry {
    let summaries: [Variant: String] = [
      .vanilla: "the restorer alone, Charbonnier loss on synthetic pairs (algorithms.md §1.8)",
      .da: "Denoising as Adaptation: restorer + conditional diffusion net (§1.5)",
      .daUnpaired: "DA's unpaired extension: the noisy target from clean images (§1.8)",
    ]
    return MethodEntry(name: variant.rawValue, summary: summaries[variant]!, configKeys: variant == .vanilla ? [] : adaptationKeys) {
      try AdaptationFamily(variant, settings: $0)
    }
  }

  public let variant: Variant
  public var name: String { variant.rawValue }
  public let roles: [NetworkRole]
  public let restorer: RestorerUNet
  let vanilla: VanillaRestoration?
  let adaptation: DenoisingAsAdaptation?
  let lambdaSchedule: LambdaSchedule
  /// `da.ramp_fraction` and `da.ramp_epochs`.
  let rampFraction: Double, rampEpochs: Int

  public init(_ variant: Variant, settings: ConfigReading) throws {
    self.variant = variant
    let restorerPreset = settings.string("model.restorer")
    guard case .restorer(let restorerConfig) = try ModelPresets.spec(named: restorerPreset) else {
      throw ConfigError(description: "model.restorer = '\(restorerPreset)' is not a restorer preset; `noiseda inspect model --help` lists the presets")
    }
    restorer = RestorerUNet(restorerConfig)
    let optimizer = OptimizerSettings.fromOptimKeys(settings)
    var roles = [NetworkRole(name: "restorer", preset: restorerPreset, module: restorer, optimizer: optimizer)]
    guard variant != .vanilla else {
      self.roles = roles
      vanilla = VanillaRestoration(restorer: restorer)
      adaptation = nil
      lambdaSchedule = LambdaSchedule()
      (rampFraction, rampEpochs) = (0, 1)
      return
    }
    let diffusionPreset = settings.string("model.diffusion")
    guard case .diffusion(var diffusionConfig) = try ModelPresets.spec(named: diffusionPreset) else {
      throw ConfigError(description: "model.diffusion = '\(diffusionPreset)' is not a diffusion preset; `noiseda inspect model --help` lists the presets")
    }
    diffusionConfig.inChannels = 9  // [ỹ, A, B]
    diffusionConfig.dropout = Float(settings.double("model.diffusion_dropout"))
    let diffusion = DiffusionUNet(diffusionConfig)
    roles.append(NetworkRole(name: "diffusion", preset: diffusionPreset, module: diffusion, optimizer: optimizer))
    self.roles = roles
    vanilla = nil
    adaptation = try DenoisingAsAdaptation(restorer: restorer, noisePredictor: diffusion, options: try AdaptationFamily.options(variant, settings))
    lambdaSchedule = LambdaSchedule(maximum: settings.double("da.lambda_max"), steepness: settings.double("da.lambda_gamma"))
    rampFraction = settings.double("da.ramp_fraction")
    rampEpochs = settings.int("da.ramp_epochs")
  }

  /// The DA switches from the `da.*` keys.
  static func options(_ variant: Variant, _ settings: ConfigReading) throws -> AdaptationOptions {
    var o = AdaptationOptions()
    o.unpaired = variant == .daUnpaired
    o.channelShuffle = settings.bool("da.channel_shuffle")
    o.residualSwap = settings.bool("da.residual_swap")
    o.margin = Float(settings.double("da.margin"))
    let t = settings.ints("da.t_range")
    guard t.count == 2, t[0] <= t[1] else { throw ConfigError(description: "da.t_range = \(t) must be [lo, hi] with lo ≤ hi") }
    o.stepRange = t[0]...t[1]
    guard let slots = ConditionSlots(rawValue: settings.string("da.conditions")) else {
      throw ConfigError(description: "da.conditions = '\(settings.string("da.conditions"))' must be both, synthetic or real")
    }
    o.conditions = slots
    return o
  }

  public var dataKinds: [DataKind] {
    switch variant {
    case .vanilla: return [.pairs]
    case .da: return [.pairs, .real]
    case .daUnpaired: return [.pairs, .real, .clean]
    }
  }

  public var phases: [TrainingPhase] { [TrainingPhase(name: "joint", roles: roles.map(\.name))] }

  public var headlineScalars: [(key: String, label: String)] {
    variant == .vanilla ? [("loss_res", "loss_res")] : [("loss", "loss"), ("loss_res", "loss_res"), ("loss_dif", "loss_dif"), ("lambda", "λ")]
  }

  public var inferenceRoles: [String] { ["restorer"] }

  /// λ_Dif for the step (eq. 5), from steps when `da.ramp_fraction` > 0, else from epochs.
  func lambda(_ context: StepContext) -> Double {
    let p = rampFraction > 0
      ? LambdaSchedule.progress(step: context.step, totalSteps: context.totalSteps, fraction: rampFraction)
      : LambdaSchedule.progress(epoch: context.epoch, rampEpochs: rampEpochs)
    return lambdaSchedule.lambda(progress: p)
  }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    if let adaptation { return try adaptation.losses(for: batch, lambda: lambda(context), using: &rng) }
    return try vanilla!.losses(for: batch, lambda: 0, using: &rng)
  }

  public func diagnostics(batch: TrainingBatch, context: StepContext, using rng: PhiloxRandom) throws -> [String: Double] {
    try adaptation?.diagnostics(for: batch, lambda: lambda(context), using: rng) ?? [:]
  }

  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    try options.requireSinglePass(name)
    return RestorerForward(restorer)
  }
}
