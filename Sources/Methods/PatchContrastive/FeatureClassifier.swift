// FeatureClassifier: ODCR's depth-wise feature classifier DWFC (algorithms.md §3.3, seed eq. 8):
// per NCE layer two linear classifiers θ_h, θ_c ∈ ℝ^D, one weight per channel of the D-dim
// orthogonal feature, telling hazy patches from clear ones. [inferred, as the spec] L_CE is binary
// cross-entropy with a sigmoid; labels are self-supervised: patches of the hazy input H are
// (y_h, y_c) = (1, 0), patches of the clear image C are (0, 1); the features are detached, so
// L_CE trains θ only, and θ enters the channel weights of WPNCE (WeightedPatchNCE) detached.
import Layers
import Tensors

/// θ_h and θ_c of every NCE layer (one `[2, D]` parameter per layer: row 0 θ_h, row 1 θ_c).
public final class FeatureClassifier: Module {
  public let weights: [Parameter]
  public var isTraining = true

  public init(layers: Int, width: Int) {
    weights = (0..<layers).map { _ in Parameter(shape: [2, width], initializer: .kaimingNormal) }
  }

  public var ownParameters: [(String, Parameter)] { weights.enumerated().map { ("theta_\($0.offset)", $0.element) } }

  /// θ_h and θ_c of `layer` (`[D]` each, differentiable).
  public func thetas(layer: Int) throws -> (hazy: Tensor, clear: Tensor) {
    let w = weights[layer].value
    let d = w.shape[1]
    return (try w.slice(axis: 0, range: 0..<1).reshaped([d]), try w.slice(axis: 0, range: 1..<2).reshaped([d]))
  }

  /// L_CE of one layer on hazy and clear features (`[B, S, D]` each, detached here).
  public func loss(layer: Int, hazy: Tensor, clear: Tensor) throws -> Tensor {
    let (thetaH, thetaC) = try thetas(layer: layer)
    let features = try Tensor.concat([hazy.detached(), clear.detached()], axis: 0)
    let logitsH = try (features * thetaH).sum(axes: [2]), logitsC = try (features * thetaC).sum(axes: [2])
    let n = hazy.shape[0] * hazy.shape[1]
    let hazyLabels = Tensor(shape: logitsH.shape, repeating: 0)
    for i in 0..<n { hazyLabels.data[i] = 1 }
    let clearLabels = Tensor(shape: logitsC.shape, repeating: 1)
    for i in 0..<n { clearLabels.data[i] = 0 }
    return try bceWithLogitsLoss(logitsH, hazyLabels) + bceWithLogitsLoss(logitsC, clearLabels)
  }
}
