// Activation: the parameter-free nonlinearities of sequential networks as modules — nn.ReLU,
// nn.LeakyReLU(slope) and nn.Tanh — so that they hold their place (and index) in a `Sequential`.
import Tensors

/// An element-wise nonlinearity layer.
public final class Activation: Module, UnaryModule {
  /// Which function.
  public enum Kind: Equatable, Sendable {
    case relu
    case leakyRelu(slope: Float)
    case tanh
  }

  public let kind: Kind
  public var isTraining = true

  public init(_ kind: Kind) {
    self.kind = kind
  }

  public var layerDescription: String {
    switch kind {
    case .relu: return "ReLU"
    case .leakyRelu(let slope): return "LeakyReLU(\(slope))"
    case .tanh: return "Tanh"
    }
  }

  /// Any shape → same shape.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y: Tensor
    switch kind {
    case .relu: y = x.relu()
    case .leakyRelu(let slope): y = x.leakyRelu(slope: slope)
    case .tanh: y = x.tanh()
    }
    ForwardTrace.record(self, y, flops: 0)
    return y
  }
}
