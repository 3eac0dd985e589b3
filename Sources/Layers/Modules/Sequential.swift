// Sequential: torch.nn.Sequential for modules that map one tensor to one tensor — children named
// by their index ("0", "1", …), run in order, with the outputs of chosen layers on request (what
// CUT's PatchNCE reads from its generator's layer list).
import Tensors

/// A module with one tensor in and one tensor out: what `Sequential` chains.
public protocol UnaryModule: Module {
  /// Applies the module.
  func callAsFunction(_ x: Tensor) throws -> Tensor
}

extension Conv2d: UnaryModule {}
extension InstanceNorm: UnaryModule {}

/// Layers applied in order, named `0`, `1`, … as in `nn.Sequential`.
public final class Sequential: Module, UnaryModule {
  public let layers: [UnaryModule]
  public var isTraining = true

  /// `nn.Sequential(*layers)`.
  public init(_ layers: [UnaryModule]) {
    self.layers = layers
  }

  public var children: [(String, Module)] { layers.enumerated().map { (String($0.offset), $0.element as Module) } }

  public var layerDescription: String { "Sequential(\(layers.count) layers)" }

  /// Every layer in order.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try layers.reduce(x) { try $1($0) }
  }

  /// The outputs of the layers at `indices` (each in `0..<layers.count`), in the order of
  /// `indices`; runs the layers only up to the deepest one asked for.
  public func outputs(_ x: Tensor, at indices: [Int]) throws -> [Tensor] {
    guard let deepest = indices.max() else { return [] }
    precondition(indices.allSatisfy { layers.indices.contains($0) }, "Sequential: layer indices \(indices) outside 0..<\(layers.count)")
    var kept: [Int: Tensor] = [:]
    var h = x
    for (i, layer) in layers.prefix(deepest + 1).enumerated() {
      h = try layer(h)
      if indices.contains(i) { kept[i] = h }
    }
    return indices.map { kept[$0]! }
  }
}
