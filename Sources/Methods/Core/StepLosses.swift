// StepLosses: what a method's phase returns: the loss to back-propagate and the named scalars the
// trainer averages over ranks and logs.
import Tensors

/// The scalar to call `backward()` on, and named values for the metrics log.
public struct StepLosses {
  /// L (a one-element tensor), e.g. L_Res + λ·L_Dif.
  public let total: Tensor
  /// Values by name (`loss_res`, `loss_mse`, `d_pos`, `d_neg`, `hinge_active`, `lambda`, …).
  public let scalars: [String: Double]

  public init(total: Tensor, scalars: [String: Double]) {
    self.total = total
    self.scalars = scalars
  }
}
