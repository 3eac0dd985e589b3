// Conv2d: torch.nn.Conv2d as a module — weight [out, in/groups, kh, kw], bias [out], square
// kernel, symmetric padding (zeros, reflect or replicate).
import Tensors

/// A 2-D convolution layer: `[N, in, H, W]` → `[N, out, H', W']`.
public final class Conv2d: Module {
  public let inChannels: Int
  public let outChannels: Int
  public let kernelSize: Int
  public let stride: Int
  public let padding: Int
  public let paddingMode: PaddingMode
  public let groups: Int
  /// `[out, in/groups, k, k]`, Kaiming normal unless the network asks otherwise.
  public let weight: Parameter
  /// `[out]`, zeros; nil without bias.
  public let bias: Parameter?
  public var isTraining = true

  /// `nn.Conv2d(inChannels, outChannels, kernelSize, stride, padding, groups=, bias=, padding_mode=)`;
  /// `weightInit` is how `ParameterStore.initialize` fills the weight.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    paddingMode: PaddingMode = .zeros, groups: Int = 1, bias: Bool = true, weightInit: ParameterInit = .kaimingNormal
  ) {
    precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: channels not divisible by groups")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.paddingMode = paddingMode
    self.groups = groups
    weight = Parameter(shape: [outChannels, inChannels / groups, kernelSize, kernelSize], initializer: weightInit)
    self.bias = bias ? Parameter(shape: [outChannels], initializer: .zeros) : nil
  }

  public var ownParameters: [(String, Parameter)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public var layerDescription: String {
    "Conv2d(\(inChannels), \(outChannels), k=\(kernelSize), s=\(stride), p=\(padding)"
      + (groups > 1 ? ", groups=\(groups)" : "") + (bias == nil ? ", bias=False" : "") + ")"
  }

  /// `[N, in, H, W]` → `[N, out, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1]`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try conv2d(
      x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding, paddingMode: paddingMode,
      groups: groups)
    ForwardTrace.record(self, y, flops: 2 * Double(y.count) * Double(inChannels / groups * kernelSize * kernelSize))
    return y
  }
}
