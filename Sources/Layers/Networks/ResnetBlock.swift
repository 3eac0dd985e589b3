// ResnetBlock: the residual block of CUT's ResnetGenerator (models/networks.py, algorithms.md
// §2.1): x + [reflect pad 1, conv 3×3, InstanceNorm, ReLU, reflect pad 1, conv 3×3,
// InstanceNorm](x), no dropout. Names `conv_block.{1,5}.{weight,bias}` as the official state dict.
import Tensors

/// A residual block at constant width: `[N, C, H, W]` → `[N, C, H, W]`.
public final class ResnetBlock: Module, UnaryModule {
  public let channels: Int
  /// The residual branch, indexed as CUT's `conv_block` (0 pad, 1 conv, 2 IN, 3 ReLU, 4 pad, 5 conv, 6 IN).
  public let convBlock: Sequential
  public var isTraining = true

  /// `ResnetBlock(dim, padding_type='reflect', norm_layer=InstanceNorm2d, use_dropout=False, use_bias=True)`;
  /// `weightInit` fills both convs' weights.
  public init(channels: Int, weightInit: ParameterInit) {
    self.channels = channels
    func conv() -> Conv2d { Conv2d(channels, channels, kernelSize: 3, weightInit: weightInit) }
    convBlock = Sequential([
      Pad2d(1, mode: .reflect), conv(), InstanceNorm(channels: channels), Activation(.relu),
      Pad2d(1, mode: .reflect), conv(), InstanceNorm(channels: channels),
    ])
  }

  public var children: [(String, Module)] { [("conv_block", convBlock)] }

  public var layerDescription: String { "ResnetBlock(\(channels))" }

  /// x + block(x).
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try x + convBlock(x)
  }
}
