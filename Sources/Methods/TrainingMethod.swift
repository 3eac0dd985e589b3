// TrainingMethod: the contract between the trainer and a method: turn one batch into the losses
// to back-propagate. Networks, optimisers, gradient sync and EMA stay with the trainer.
import Tensors

/// One training method (vanilla, DA, DA-unpaired, …).
public protocol TrainingMethod: AnyObject {
  /// The config name (`vanilla`, `da`, `da-unpaired`).
  var name: String { get }
  /// Builds the graph of one step on `batch` with diffusion-loss weight `lambda`, drawing all
  /// randomness (noise levels, ε, slot swaps) from `rng`.
  func losses(for batch: TrainingBatch, lambda: Double, using rng: inout PhiloxRandom) throws -> StepLosses
}
