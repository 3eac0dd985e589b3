// TrainingBatch: one rank's mini-batch as the loaders deliver it to a method.
import Tensors

/// Synthetic pairs (x_s, y_s), real degraded x_r and, for the unpaired extension, clean y_c —
/// each [B, 3, P, P]; the kinds a method does not use may be nil.
public struct TrainingBatch {
  public var syntheticInput: Tensor
  public var syntheticTarget: Tensor
  public var realInput: Tensor?
  public var clean: Tensor?

  public init(syntheticInput: Tensor, syntheticTarget: Tensor, realInput: Tensor? = nil, clean: Tensor? = nil) {
    self.syntheticInput = syntheticInput
    self.syntheticTarget = syntheticTarget
    self.realInput = realInput
    self.clean = clean
  }

  /// Images per kind.
  public var size: Int { syntheticInput.shape[0] }
}
