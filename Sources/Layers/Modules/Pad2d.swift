// Pad2d: nn.ReflectionPad2d / nn.ReplicationPad2d / nn.ZeroPad2d with the same amount on all
// four sides, as a layer of a `Sequential`.
import Tensors

/// Spatial padding: `[N, C, H, W]` → `[N, C, H + 2p, W + 2p]`.
public final class Pad2d: Module, UnaryModule {
  public let padding: Int
  public let mode: PaddingMode
  public var isTraining = true

  /// `nn.ReflectionPad2d(padding)` for `.reflect` (padding < H and < W), and likewise.
  public init(_ padding: Int, mode: PaddingMode) {
    self.padding = padding
    self.mode = mode
  }

  public var layerDescription: String {
    let name: String
    switch mode {
    case .zeros: name = "ZeroPad2d"
    case .reflect: name = "ReflectionPad2d"
    case .replicate: name = "ReplicationPad2d"
    }
    return "\(name)(\(padding))"
  }

  /// `[N, C, H, W]` → `[N, C, H + 2p, W + 2p]`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try x.padded(top: padding, bottom: padding, left: padding, right: padding, mode: mode)
    ForwardTrace.record(self, y, flops: 0)
    return y
  }
}
