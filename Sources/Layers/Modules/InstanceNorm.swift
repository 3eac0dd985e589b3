// InstanceNorm: torch.nn.InstanceNorm2d(channels, eps=1e-5, affine=False) — per-sample,
// per-channel normalisation; with `affine` a weight (ones) and bias (zeros) of shape [C].
// Running statistics are not tracked (PyTorch's default).
import Tensors

/// Instance normalisation over `[N, C, H, W]`.
public final class InstanceNorm: Module {
  public let channels: Int
  public let eps: Float
  /// `[C]` scale and shift when affine.
  public let weight: Parameter?
  public let bias: Parameter?
  public var isTraining = true

  /// `nn.InstanceNorm2d(channels, eps, affine)`.
  public init(channels: Int, eps: Float = 1e-5, affine: Bool = false) {
    self.channels = channels
    self.eps = eps
    weight = affine ? Parameter(shape: [channels], initializer: .ones) : nil
    bias = affine ? Parameter(shape: [channels], initializer: .zeros) : nil
  }

  public var ownParameters: [(String, Parameter)] {
    guard let weight, let bias else { return [] }
    return [("weight", weight), ("bias", bias)]
  }

  public var layerDescription: String { "InstanceNorm2d(\(channels)" + (weight == nil ? ")" : ", affine=True)") }

  /// `[N, C, H, W]` → same shape.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try x.instanceNorm(weight: weight?.value, bias: bias?.value, eps: eps)
    ForwardTrace.record(self, y, flops: 0)
    return y
  }
}
