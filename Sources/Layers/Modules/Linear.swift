// Linear: torch.nn.Linear — weight [out, in], bias [out].
import Tensors

/// A fully connected layer: `[N, in]` → `[N, out]`.
public final class Linear: Module {
  public let inFeatures: Int
  public let outFeatures: Int
  /// `[out, in]`, Kaiming normal.
  public let weight: Parameter
  /// `[out]`, zeros; nil without bias.
  public let bias: Parameter?
  public var isTraining = true

  /// `nn.Linear(inFeatures, outFeatures, bias=)`.
  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    weight = Parameter(shape: [outFeatures, inFeatures], initializer: .kaimingNormal)
    self.bias = bias ? Parameter(shape: [outFeatures], initializer: .zeros) : nil
  }

  public var ownParameters: [(String, Parameter)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public var layerDescription: String { "Linear(\(inFeatures), \(outFeatures)" + (bias == nil ? ", bias=False)" : ")") }

  /// `[N, in]` → `[N, out]`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try linear(x, weight: weight.value, bias: bias?.value)
    ForwardTrace.record(self, y, flops: 2 * Double(y.count) * Double(inFeatures))
    return y
  }
}
