// GroupNorm: torch.nn.GroupNorm(groups, channels, eps=1e-5, affine=True) — weight (ones) and
// bias (zeros) of shape [C].
import Tensors

/// Group normalisation over `[N, C, H, W]` with a per-channel affine map.
public final class GroupNorm: Module {
  public let groups: Int
  public let channels: Int
  public let eps: Float
  /// `[C]`, ones.
  public let weight: Parameter
  /// `[C]`, zeros.
  public let bias: Parameter
  public var isTraining = true

  /// `nn.GroupNorm(groups, channels, eps)`.
  public init(groups: Int, channels: Int, eps: Float = 1e-5) {
    precondition(channels % groups == 0, "GroupNorm: \(channels) channels not divisible into \(groups) groups")
    self.groups = groups
    self.channels = channels
    self.eps = eps
    weight = Parameter(shape: [channels], initializer: .ones)
    bias = Parameter(shape: [channels], initializer: .zeros)
  }

  public var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias)] }

  public var layerDescription: String { "GroupNorm(\(groups), \(channels))" }

  /// `[N, C, H, W]` → same shape.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try x.groupNorm(groups: groups, weight: weight.value, bias: bias.value, eps: eps)
    ForwardTrace.record(self, y, flops: 0)
    return y
  }
}
