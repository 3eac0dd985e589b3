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

/// Denoising as Adaptation on a restorer G and a noise predictor ε_θ with 9 input channels.
public final class DenoisingAsAdaptation: TrainingMethod {
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
    guard let xr = batch.realInput else {
      throw TensorError.invalidArgument(op: name, reason: "the batch has no real-domain images; set data.real to the real shards")
    }
    let xs = batch.syntheticInput, ys = batch.syntheticTarget, n = batch.size
    let y0: Tensor
    if options.unpaired {
      guard let clean = batch.clean else {
        throw TensorError.invalidArgument(op: name, reason: "the batch has no clean images; set data.clean to the clean (MS-COCO) shards")
      }
      y0 = clean
    } else {
      y0 = ys
    }

    // G on both domains in one pass.
    let residuals = try restorer.residual(Tensor.concat([xs, xr], axis: 0)).split(sizes: [n, n], axis: 0)
    let (rs, rr) = (residuals[0], residuals[1])
    let restoredS = try xs + rs, restoredR = try xr + rr
    let lossRes = try charbonnierLoss(restoredS, ys, eps: 1e-3)

    // Noise level per sample and the noisy target ỹ.
    let gammas = drawNoiseLevels(n, using: &rng)
    let epsilon = Tensor.normal(y0.shape, using: &rng)
    let signal = try Tensor(shape: [n, 1, 1, 1], values: gammas.map { $0.squareRoot() })
    let noise = try Tensor(shape: [n, 1, 1, 1], values: gammas.map { (1 - $0).squareRoot() })
    let noisyTarget = try y0 * signal + epsilon * noise

    let positive = try conditioned(noisyTarget, slots(restoredS, restoredR), using: &rng)
    var scalars: [String: Double] = ["loss_res": Double(lossRes.item), "lambda": lambda]
    let lossDif: Tensor
    if options.residualSwap && !options.unpaired {
      let negative = try conditioned(noisyTarget, slots(try xs + rr, try xr + rs), using: &rng)
      let predicted = try noisePredictor.predictNoise(Tensor.concat([positive, negative], axis: 0), gamma: gammas + gammas, using: &rng)
        .split(sizes: [n, n], axis: 0)
      let dPos = try mseLoss(predicted[0], epsilon), dNeg = try mseLoss(predicted[1], epsilon)
      let hinge = try (dPos - dNeg + options.margin).relu()
      lossDif = try (dPos + hinge) * 0.5
      scalars["loss_mse"] = Double(dPos.item)
      scalars["d_pos"] = Double(dPos.item)
      scalars["d_neg"] = Double(dNeg.item)
      scalars["hinge_active"] = hinge.item > 0 ? 1 : 0
    } else {
      let dPos = try mseLoss(noisePredictor.predictNoise(positive, gamma: gammas, using: &rng), epsilon)
      lossDif = dPos
      scalars["loss_mse"] = Double(dPos.item)
      scalars["d_pos"] = Double(dPos.item)
    }
    scalars["loss_dif"] = Double(lossDif.item)
    let total = try lossRes + lossDif * Float(lambda)
    scalars["loss"] = Double(total.item)
    return StepLosses(total: total, scalars: scalars)
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
