// PointwiseConv1d: torch.nn.Conv1d with kernel size 1 (the q/k/v and output projections of
// guided-diffusion's AttentionBlock) — weight [out, in, 1], bias [out], applied per position
// of `[N, C, H, W]` (PyTorch applies it to the flattened `[N, C, H·W]`, which is the same map).
import Tensors

/// A per-position channel mix: `[N, in, H, W]` → `[N, out, H, W]`.
public final class PointwiseConv1d: Module {
  public let inChannels: Int
  public let outChannels: Int
  /// `[out, in, 1]`, Kaiming normal.
  public let weight: Parameter
  /// `[out]`, zeros.
  public let bias: Parameter
  public var isTraining = true

  /// `nn.Conv1d(inChannels, outChannels, 1)`.
  public init(_ inChannels: Int, _ outChannels: Int) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    weight = Parameter(shape: [outChannels, inChannels, 1], initializer: .kaimingNormal)
    bias = Parameter(shape: [outChannels], initializer: .zeros)
  }

  public var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias)] }

  public var layerDescription: String { "Conv1d(\(inChannels), \(outChannels), k=1)" }

  /// `[N, in, H, W]` → `[N, out, H, W]`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let w = try weight.value.reshaped([outChannels, inChannels, 1, 1])
    let y = try conv2d(x, weight: w, bias: bias.value)
    ForwardTrace.record(self, y, flops: 2 * Double(y.count) * Double(inChannels))
    return y
  }
}
