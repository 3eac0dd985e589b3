// DenoisingAsAdaptation: one joint step of Denoising as Adaptation (algorithms.md §1.5, the
// released code's "diff_flag = 1") and its unpaired extension (§1.8, "diff_flag = 2").
//
//   ŷ_s = x_s + R(x_s), ŷ_r = x_r + R(x_r)                      (one restorer pass on 2B images)
//   ỹ = √γ·y₀ + √(1−γ)·ε, y₀ = y_s (paired) or y_c (unpaired)   (γ between γ_{t−1} and γ_t)
//   ε_pos = ε_θ([ỹ, f_cs(ŷ_s, ŷ_r)], γ), ε_neg = ε_θ([ỹ, f_cs(x_s + R_r, x_r + R_s)], γ)
//   L_Res = Charbonnier(ŷ_s, y_s); d_pos = MSE(ε, ε_pos); d_neg = MSE(ε, ε_neg)
//   L_Dif = (d_pos + max(d_pos − d_neg + δ, 0)) / 2;  L = L_Res + λ·L_Dif          (eqs. 1–4)
// Nothing is detached: G gets ∇L_Res and λ·∇L_Dif, ε_θ gets λ·∇L_Dif. The positive and negative
// diffusion passes run as one batch of 2B (ε_θ has no batch statistics, so this is exact).
import Tensors

/// Which restored images fill the two condition slots (ablation "only syn" / "only real": the
/// kept condition is duplicated into both slots — the paper leaves the other slot unspecified).
public enum ConditionSlots: String, CaseIterable, Sendable {
  case both, synthetic, real
}

/// The switches and constants of the DA step.
public struct AdaptationOptions: Sendable {
  /// Unpaired extension: noisy target from clean y_c, no contrastive term.
  public var unpaired = false
  public var channelShuffle = true
  public var residualSwap = true
  public var conditions = ConditionSlots.both
  /// δ of the hinge.
  public var margin: Float = 0.1
  /// Range of the diffusion step t, inclusive (default 1…999).
  public var stepRange: ClosedRange<Int> = 1...999
  public var schedule = NoiseSchedule()

  public init() {}
}

/// The losses of Denoising as Adaptation on a restorer G and a noise predictor ε_θ with 9 input
/// channels (AdaptationFamily makes it a TrainingMethod).
public final class DenoisingAsAdaptation {
  public var name: String { options.unpaired ? "da-unpaired" : "da" }
  let restorer: ResidualRestorer
  let noisePredictor: NoisePredictor
  public let options: AdaptationOptions

  public init(restorer: ResidualRestorer, noisePredictor: NoisePredictor, options: AdaptationOptions) throws {
    guard options.stepRange.lowerBound >= 1, options.stepRange.upperBound < options.schedule.gammas.count else {
      throw TensorError.invalidArgument(
        op: "da.t_range", reason: "\(options.stepRange) must lie within 1…\(options.schedule.gammas.count - 1); set da.t_range: [1, 999]")
    }
    self.restorer = restorer
    self.noisePredictor = noisePredictor
    self.options = options
  }

  public func losses(for batch: TrainingBatch, lambda: Double, using rng: inout PhiloxRandom) throws -> StepLosses {
    let (xs, xr) = try inputs(batch)
    // G on both domains in one pass.
    let residuals = try restorer.residual(Tensor.concat([xs, xr], axis: 0))
    let t = try terms(batch, residuals: residuals, using: &rng)
    let total = try t.lossRes + t.lossDif * Float(lambda)
    var scalars = t.scalars
    scalars["lambda"] = lambda
    scalars["loss"] = Double(total.item)
    return StepLosses(total: total, scalars: scalars)
  }

  /// The method's health, measured on `batch` without changing any state but gradients (the
  /// caller zeroes them after): `grad_res` and `grad_dif`, the norms of ∂L_Res/∂R and
  /// ∂(λ·L_Dif)/∂R at the restorer's output R (which loss drives G); `real_slot_change`, the mean
  /// |Δε_pos| when the real restored image in the positive condition is replaced by Gaussian
  /// noise, relative to mean |ε_pos| (does ε_θ look at the real condition at all?).
  public func diagnostics(for batch: TrainingBatch, lambda: Double, using rng: PhiloxRandom) throws -> [String: Double] {
    let (xs, xr) = try inputs(batch)
    let residuals = try Autograd.withoutGradients { try restorer.residual(Tensor.concat([xs, xr], axis: 0)) }
    residuals.requiresGrad = true
    func gradientNorm(_ loss: (Terms) throws -> Tensor) throws -> Double {
      var draws = rng
      residuals.grad = nil
      try loss(try terms(batch, residuals: residuals, using: &draws)).backward()
      return residuals.grad.map { g in g.values.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() } ?? 0
    }
    let gradRes = try gradientNorm { $0.lossRes }
    let gradDif = try gradientNorm { $0.lossDif * Float(lambda) }
    let (plain, noised) = try Autograd.withoutGradients { () -> (Tensor, Tensor) in
      var a = rng, b = rng
      return (try terms(batch, residuals: residuals, using: &a).positivePrediction,
              try terms(batch, residuals: residuals, replaceRealWithNoise: true, using: &b).positivePrediction)
    }
    let change = zip(plain.values, noised.values).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) }
    let size = plain.values.reduce(0.0) { $0 + Double(abs($1)) }
    return ["grad_res": gradRes, "grad_dif": gradDif, "real_slot_change": change / max(size, 1e-12)]
  }

  /// x_s and x_r of a batch (x_r required), checking the unpaired extension has its clean images.
  func inputs(_ batch: TrainingBatch) throws -> (Tensor, Tensor) {
    let xs = try batch.pairs(for: name).input, xr = try batch.real(for: name)
    if options.unpaired { _ = try batch.cleanImages(for: name) }
    return (xs, xr)
  }

  /// The two losses of one step, the positive noise prediction, and the logged values.
  struct Terms {
    let lossRes: Tensor
    let lossDif: Tensor
    let positivePrediction: Tensor
    let scalars: [String: Double]
  }

  /// L_Res and L_Dif given the residuals R of [x_s; x_r] ([2B, 3, H, W]). With
  /// `replaceRealWithNoise`, the real restored image in the positive condition is N(0, 1) noise.
  func terms(_ batch: TrainingBatch, residuals: Tensor, replaceRealWithNoise: Bool = false, using rng: inout PhiloxRandom) throws -> Terms {
    let (xs, ys) = try batch.pairs(for: name)
    let xr = try batch.real(for: name), n = batch.size
    let y0 = options.unpaired ? try batch.cleanImages(for: name) : ys
    let parts = try residuals.split(sizes: [n, n], axis: 0)
    let (rs, rr) = (parts[0], parts[1])
    let restoredS = try xs + rs, restoredR = try xr + rr
    let lossRes = try charbonnierLoss(restoredS, ys, eps: 1e-3)

    // Noise level per sample and the noisy target ỹ.
    let gammas = drawNoiseLevels(n, using: &rng)
    let epsilon = Tensor.normal(y0.shape, using: &rng)
    let signal = try Tensor(shape: [n, 1, 1, 1], values: gammas.map { $0.squareRoot() })
    let noise = try Tensor(shape: [n, 1, 1, 1], values: gammas.map { (1 - $0).squareRoot() })
    let noisyTarget = try y0 * signal + epsilon * noise

    var probe = PhiloxRandom(seed: 0x5EA1)
    let realCondition = replaceRealWithNoise ? Tensor.normal(restoredR.shape, using: &probe) : restoredR
    let positive = try conditioned(noisyTarget, slots(restoredS, realCondition), using: &rng)
    var scalars: [String: Double] = ["loss_res": Double(lossRes.item)]
    let lossDif: Tensor, positivePrediction: Tensor
    if options.residualSwap && !options.unpaired {
      let negative = try conditioned(noisyTarget, slots(try xs + rr, try xr + rs), using: &rng)
      let predicted = try noisePredictor.predictNoise(Tensor.concat([positive, negative], axis: 0), gamma: gammas + gammas, using: &rng)
        .split(sizes: [n, n], axis: 0)
      positivePrediction = predicted[0]
      let dPos = try mseLoss(predicted[0], epsilon), dNeg = try mseLoss(predicted[1], epsilon)
      let hinge = try (dPos - dNeg + options.margin).relu()
      lossDif = try (dPos + hinge) * 0.5
      scalars["d_neg"] = Double(dNeg.item)
      scalars["hinge_active"] = hinge.item > 0 ? 1 : 0
      scalars["d_pos"] = Double(dPos.item)
    } else {
      positivePrediction = try noisePredictor.predictNoise(positive, gamma: gammas, using: &rng)
      lossDif = try mseLoss(positivePrediction, epsilon)
      scalars["d_pos"] = Double(lossDif.item)
    }
    scalars["loss_mse"] = scalars["d_pos"]
    scalars["loss_dif"] = Double(lossDif.item)
    return Terms(lossRes: lossRes, lossDif: lossDif, positivePrediction: positivePrediction, scalars: scalars)
  }

  /// γ per sample: t uniform in the step range, γ uniform between γ_t and γ_{t−1} (§1.4).
  func drawNoiseLevels(_ n: Int, using rng: inout PhiloxRandom) -> [Float] {
    let range = options.stepRange
    return (0..<n).map { _ in
      let t = range.lowerBound + rng.int(below: range.count)
      return Float(options.schedule.gamma(step: t, u: Double(rng.uniform())))
    }
  }

  /// The two conditions the slots receive, from the synthetic-side and real-side images.
  func slots(_ synthetic: Tensor, _ real: Tensor) -> (Tensor, Tensor) {
    switch options.conditions {
    case .both: return (synthetic, real)
    case .synthetic: return (synthetic, synthetic)
    case .real: return (real, real)
    }
  }

  /// [ỹ, A, B] along channels ([N, 9, H, W]) after an independent per-sample slot swap.
  func conditioned(_ noisyTarget: Tensor, _ pair: (Tensor, Tensor), using rng: inout PhiloxRandom) throws -> Tensor {
    let shuffle = ChannelShuffle(batch: noisyTarget.shape[0], enabled: options.channelShuffle, using: &rng)
    let (a, b) = try shuffle.apply(pair.0, pair.1)
    return try Tensor.concat([noisyTarget, a, b], axis: 1)
  }
}
