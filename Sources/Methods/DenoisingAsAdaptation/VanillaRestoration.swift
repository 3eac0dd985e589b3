// VanillaRestoration: the baseline (algorithms.md §1.8, diff_flag 0): the restorer alone,
// Charbonnier loss on synthetic pairs.
import Tensors

/// L = Charbonnier(x_s + R(x_s), y_s), ε_c = 1e-3.
public final class VanillaRestoration {
  public let name = "vanilla"
  let restorer: ResidualRestorer

  public init(restorer: ResidualRestorer) { self.restorer = restorer }

  public func losses(for batch: TrainingBatch, lambda: Double, using rng: inout PhiloxRandom) throws -> StepLosses {
    let (input, target) = try batch.pairs(for: name)
    let loss = try charbonnierLoss(restorer.restore(input), target, eps: 1e-3)
    return StepLosses(total: loss, scalars: ["loss_res": Double(loss.item)])
  }
}
