// ManifoldFunction: a trained MPE ("manifold-preferential equivariant") function f as EquiReg uses
// it (algorithms.md §5.1): the map from images to spatial feature maps and the group whose action
// it was trained to commute with. A checkpoint of method `mpe` yields one
// (TrainingMethod.manifoldFunction); `noiseda solve --mpe` and `noiseda inspect mpe` use it.
import Tensors

/// f and its group.
public struct ManifoldFunction {
  public let group: ImageGroup
  /// f: `[N, 3, H, W]` → `[N, C, h, w]`.
  public let map: (Tensor) throws -> Tensor

  public init(group: ImageGroup, map: @escaping (Tensor) throws -> Tensor) {
    self.group = group
    self.map = map
  }

  /// The equivariance error ‖ρ(g)·f(x) − f(T_g·x)‖² / count, per image, averaged over the group's
  /// sampled elements (the MPE property check of `noiseda inspect mpe`), without gradients.
  public func meanSquaredError(_ x: Tensor) throws -> [Double] {
    try Autograd.withoutGradients {
      var errors = [Double](repeating: 0, count: x.shape[0])
      let fx = try map(x)
      for g in group.sampledElements {
        let d = try group.apply(g, to: fx) - map(try group.apply(g, to: x))
        let perImage = try d.square().mean(axes: [1, 2, 3])
        for i in errors.indices { errors[i] += Double(perImage.data[i]) / Double(group.sampledElements.count) }
      }
      return errors
    }
  }
}
