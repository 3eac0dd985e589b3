// Dropout: torch.nn.Dropout(p) — zeroes elements with probability p and scales survivors by
// 1/(1−p) in training mode; the identity in evaluation mode. The caller passes the generator
// (the run's "dropout" stream), so a checkpoint captures its state.
import Tensors

/// Element-wise dropout, active only while `isTraining`.
public final class Dropout: Module {
  public let p: Float
  public var isTraining = true

  /// `nn.Dropout(p)`.
  public init(p: Float) {
    precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
    self.p = p
  }

  public var layerDescription: String { "Dropout(p=\(p))" }

  /// Any shape → same shape.
  public func callAsFunction(_ x: Tensor, using rng: inout PhiloxRandom) -> Tensor {
    guard isTraining && p > 0 else { return x }
    return x.dropout(p: p, training: true, using: &rng)
  }
}
