// Module: the protocol every layer and network conforms to. A module owns its parameters and
// its child modules under local names; the full, PyTorch-style names ("down_path.0.block.0.weight")
// are built by walking the tree in registration order, as torch.nn.Module.named_parameters does.
import Tensors

/// How a parameter is filled when its network is initialised (PyTorch conventions).
public enum ParameterInit: Equatable, Sendable {
  /// Kaiming normal, fan-in mode, ReLU gain (a = 0): N(0, 2 / fan_in), with
  /// fan_in = shape[1] · Π shape[2...] as torch.nn.init computes it.
  case kaimingNormal
  /// Xavier (Glorot) normal: N(0, gain² · 2 / (fan_in + fan_out)), fan_out = shape[0] · Π shape[2...],
  /// as `torch.nn.init.xavier_normal_`; CUT initialises its networks with gain 0.02.
  case xavierNormal(gain: Float)
  /// All zeros (biases).
  case zeros
  /// All ones (normalisation scales).
  case ones
}

/// One trainable tensor of a network. `value` starts as a standalone tensor; once a
/// `ParameterStore` adopts the network it is a view into the store's flat buffer, and its
/// `grad` a view into the flat gradient buffer.
public final class Parameter {
  /// The current tensor (PyTorch shape, e.g. conv weight `[out, in/groups, kh, kw]`).
  public internal(set) var value: Tensor
  /// How `ParameterStore.initialize(using:)` fills it.
  public let initializer: ParameterInit

  /// A parameter of `shape`, zero-filled until initialised.
  public init(shape: [Int], initializer: ParameterInit) {
    value = Tensor.zeros(shape, requiresGrad: true)
    self.initializer = initializer
  }

  /// The parameter's shape.
  public var shape: [Int] { value.shape }
  /// Number of elements.
  public var count: Int { value.count }
}

/// A layer or network: named parameters, named children, and a train/eval flag.
public protocol Module: AnyObject {
  /// This module's own parameters with their local names, in registration order.
  var ownParameters: [(String, Parameter)] { get }
  /// Child modules with their local names, in registration order.
  var children: [(String, Module)] { get }
  /// Training mode (dropout active) or evaluation mode; set it through `train(_:)`.
  var isTraining: Bool { get set }
  /// One line for layer tables, e.g. `Conv2d(3, 64, k=3, s=1, p=1)`.
  var layerDescription: String { get }
}

extension Module {
  /// A leaf has no parameters of its own by default.
  public var ownParameters: [(String, Parameter)] { [] }
  /// A leaf has no children by default.
  public var children: [(String, Module)] { [] }
  /// The type name by default.
  public var layerDescription: String { String(describing: type(of: self)) }

  /// Every parameter under this module with its dotted name, PyTorch order (own first, then
  /// children depth-first).
  public func namedParameters(prefix: String = "") -> [(String, Parameter)] {
    var out: [(String, Parameter)] = []
    for (name, p) in ownParameters { out.append((prefix + name, p)) }
    for (name, child) in children { out += child.namedParameters(prefix: prefix + name + ".") }
    return out
  }

  /// This module and every descendant with its dotted name ("" for self).
  public func namedModules(prefix: String = "") -> [(String, Module)] {
    var out: [(String, Module)] = [(prefix, self)]
    for (name, child) in children {
      let full = prefix.isEmpty ? name : prefix + "." + name
      out += child.namedModules(prefix: full)
    }
    return out
  }

  /// Total number of parameter elements.
  public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.1.count } }

  /// Sets training mode on this module and all descendants (PyTorch `train()` / `eval()`).
  public func train(_ on: Bool = true) {
    isTraining = on
    for (_, child) in children { child.train(on) }
  }

  /// Evaluation mode for the whole tree.
  public func eval() { train(false) }
}
