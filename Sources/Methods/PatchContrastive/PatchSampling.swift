// PatchSampling: which positions of a feature map PatchNCE compares (algorithms.md §2.3; CUT's
// PatchSampleF): the map's positions flattened row-major, a random permutation drawn, its first
// `count` positions kept (all of them when the map is smaller). One index set per layer is shared
// by every image of the batch and by the query (G(x)) and key (x) maps, so patch i of one is at
// the same place as patch i of the other.
import Tensors

/// Sampled positions of one feature map.
public struct PatchPositions: Equatable {
  /// Positions y·W + x, in draw order.
  public let indices: [Int]

  /// `count` positions of an `height` × `width` map, drawn from `rng` (a Fisher–Yates shuffle).
  public init(height: Int, width: Int, count: Int, using rng: inout PhiloxRandom) {
    var order = Array(0..<(height * width))
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
    indices = Array(order.prefix(count))
  }

  public init(indices: [Int]) { self.indices = indices }

  /// The features at these positions: `[B, C, H, W]` → `[B, S, C]` (differentiable).
  public func gather(_ features: Tensor) throws -> Tensor {
    let (b, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
    let rows = try features.reshaped([b, c, h * w]).permuted([0, 2, 1]).reshaped([b * h * w, c])
    let picked = (0..<b).flatMap { image in indices.map { image * h * w + $0 } }
    return try rows.gather(batch: picked).reshaped([b, indices.count, c])
  }
}
