// StepLosses: what a method's forward pass returns: the total loss to back-propagate and the
// scalar diagnostics the trainer logs.
import Tensors

/// The scalar to call `backward()` on, and named values for the metrics log.
public struct StepLosses {
  /// L (a one-element tensor), e.g. L_Res + λ·L_Dif.
  public let total: Tensor
  /// Diagnostics by name (`loss_res`, `loss_mse`, `d_pos`, `d_neg`, `hinge_active`, …).
  public let scalars: [String: Double]

  public init(total: Tensor, scalars: [String: Double]) {
    self.total = total
    self.scalars = scalars
  }
}
