// ProjectionHead: the per-layer MLP H_l of PatchNCE (algorithms.md §2.3; CUT's "mlp_sample"):
// Linear(c_l → D), ReLU, Linear(D → D), then each D-vector divided by its norm + 1e-7. CUT's heads
// have biases; ODCR's orthogonal heads (§3.2) have none — their two weights live on the Stiefel
// manifold (StiefelManifold, updated by the method's Riemannian step) — so the bias is optional.
import Layers
import Tensors

/// One layer's projection head.
public final class ProjectionHead: Module {
  public let first: Linear
  public let second: Linear
  public var isTraining = true

  public init(inChannels: Int, width: Int, bias: Bool) {
    first = Linear(inChannels, width, bias: bias)
    second = Linear(width, width, bias: bias)
  }

  public var children: [(String, Module)] { [("0", first), ("2", second)] }

  /// `[…, c_l]` → unit-length `[…, D]` (over the last axis).
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let shape = x.shape
    let rows = try x.reshaped([shape.dropLast().reduce(1, *), shape.last!])
    let z = try second(try first(rows).relu())
    let unit = try z / (try z.square().sum(axes: [1], keepDims: true).sqrt() + 1e-7)
    return try unit.reshaped(shape.dropLast() + [z.shape[1]])
  }
}

/// The heads of every NCE layer, as one role's module.
public final class ProjectionHeads: Module {
  public let heads: [ProjectionHead]
  public var isTraining = true

  public init(channels: [Int], width: Int, bias: Bool) {
    heads = channels.map { ProjectionHead(inChannels: $0, width: width, bias: bias) }
  }

  public var children: [(String, Module)] { heads.enumerated().map { ("mlp_\($0.offset)", $0.element) } }
}
