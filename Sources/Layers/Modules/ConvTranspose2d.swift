// ConvTranspose2d: torch.nn.ConvTranspose2d as a module — weight [in, out/groups, kh, kw],
// bias [out], square kernel.
import Tensors

/// A transposed 2-D convolution: `[N, in, H, W]` → `[N, out, (H−1)s − 2p + k + op, …]`.
public final class ConvTranspose2d: Module {
  public let inChannels: Int
  public let outChannels: Int
  public let kernelSize: Int
  public let stride: Int
  public let padding: Int
  public let outputPadding: Int
  public let groups: Int
  /// `[in, out/groups, k, k]`, Kaiming normal (PyTorch's fan-in of this layout: out/groups·k²).
  public let weight: Parameter
  /// `[out]`, zeros; nil without bias.
  public let bias: Parameter?
  public var isTraining = true

  /// `nn.ConvTranspose2d(inChannels, outChannels, kernelSize, stride, padding, output_padding, groups, bias)`.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    outputPadding: Int = 0, groups: Int = 1, bias: Bool = true
  ) {
    precondition(inChannels % groups == 0 && outChannels % groups == 0, "ConvTranspose2d: channels not divisible by groups")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.outputPadding = outputPadding
    self.groups = groups
    weight = Parameter(shape: [inChannels, outChannels / groups, kernelSize, kernelSize], initializer: .kaimingNormal)
    self.bias = bias ? Parameter(shape: [outChannels], initializer: .zeros) : nil
  }

  public var ownParameters: [(String, Parameter)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public var layerDescription: String {
    "ConvTranspose2d(\(inChannels), \(outChannels), k=\(kernelSize), s=\(stride), p=\(padding)"
      + (outputPadding > 0 ? ", op=\(outputPadding)" : "") + (groups > 1 ? ", groups=\(groups)" : "")
      + (bias == nil ? ", bias=False" : "") + ")"
  }

  /// `[N, in, H, W]` → `[N, out, H', W']`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try convTranspose2d(
      x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding, outputPadding: outputPadding,
      groups: groups)
    // Each input element meets out/groups · k² weights.
    ForwardTrace.record(self, y, flops: 2 * Double(x.count) * Double(outChannels / groups * kernelSize * kernelSize))
    return y
  }
}
