// WeightedPatchNCE: ODCR's weighted PatchNCE for one layer (algorithms.md §3.4, seed eqs. 9–14).
// For a query z (the dehazed output's projected patch, `[B, S, D]`), the hazy input's patch at the
// same position z₊₋, the hazy input's other patches z₋₋ and the clear image's patches z₋₊ (keys,
// detached), with channel weights w_h = softmax(|θ_h ⊙ z|), w_c = softmax(|θ_c ⊙ z|) (θ detached):
//   l(w, z, z') = exp((w ⊙ z')ᵀz / τ)
//   P = l(w_h, z, z₊₋) + Σₙ l(w_c, z, z₋₊ⁿ)                               (eq. 12)
//   N = l(1 − w_h, z, z₊₋) + Σₙ l(1, z, z₋₋ⁿ) + Σₙ l(1 − w_c, z, z₋₊ⁿ)   (eq. 13)
//   L = −log(P / (P + N)), averaged over the B·S queries                 (eq. 14)
// Reading `printed` is the seed's text; `swapped` exchanges w_h and 1 − w_h (the spec's ambiguity:
// large |θ_h z| marks haze-related channels, which the stated intent would pull toward the clear
// image, not the hazy one). Every exponent is at most 1/τ in size (unit vectors, weights in [0, 1]
// with w summing to 1), so log P and log(P + N) are taken directly as log Σ exp in float32.
import Tensors

/// How the hazy-patch terms use w_h.
public enum ChannelWeightReading: String, CaseIterable, Sendable {
  case printed, swapped
}

/// L_WPNCE of one layer.
public func weightedPatchNCELoss(queries z: Tensor, hazy: Tensor, clear: Tensor, thetaHazy: Tensor, thetaClear: Tensor,
                                 temperature: Float, reading: ChannelWeightReading) throws -> Tensor {
  let s = z.shape[1]
  let (hazyKeys, clearKeys) = (hazy.detached(), clear.detached())
  let wh = try (z * thetaHazy.detached()).abs().softmax(axis: 2)
  let wc = try (z * thetaClear.detached()).abs().softmax(axis: 2)
  let (toHazy, awayFromHazy) = reading == .printed ? (wh, 1 - wh) : (1 - wh, wh)
  let same = try z * hazyKeys
  let positiveHazy = try (same * toHazy).sum(axes: [2], keepDims: true)  // [B, S, 1]
  let negativeHazy = try (same * awayFromHazy).sum(axes: [2], keepDims: true)
  let clearT = try clearKeys.permuted([0, 2, 1])
  let positiveClear = try matmul(try z * wc, clearT)  // [B, S, S]
  let negativeClear = try matmul(try z * (1 - wc), clearT)
  let (keep, fill) = diagonalMask(s, value: -1e4)
  let otherHazy = try matmul(z, try hazyKeys.permuted([0, 2, 1])) * keep + fill  // self-pair left out
  let scale = 1 / temperature
  let positive = try Tensor.concat([positiveHazy, positiveClear], axis: 2) * scale
  let all = try Tensor.concat([positiveHazy, positiveClear, negativeHazy, otherHazy, negativeClear], axis: 2) * scale
  return try (all.exp().sum(axes: [2]).log() - positive.exp().sum(axes: [2]).log()).mean()
}
