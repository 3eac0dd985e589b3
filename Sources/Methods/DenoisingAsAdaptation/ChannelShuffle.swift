// ChannelShuffle: the DA channel-shuffle layer f_cs (algorithms.md §1.5 step 3): per sample,
// with probability ½, swap which 3-channel slot holds which of two RGB conditions. Whole images
// move; R/G/B are never mixed. Done as one gather over the stacked pair, so the backward routes
// each slot's gradient back to the image it came from.
import Tensors

/// The per-sample slot assignment of one shuffle.
public struct ChannelShuffle {
  /// `swapped[i]`: sample i's slots hold (second, first) instead of (first, second).
  public let swapped: [Bool]

  /// Draws each sample's swap with probability ½ (all false when `enabled` is false).
  public init(batch: Int, enabled: Bool, using rng: inout PhiloxRandom) {
    swapped = (0..<batch).map { _ in enabled && rng.uniform() < 0.5 }
  }

  public init(swapped: [Bool]) { self.swapped = swapped }

  /// The two slots (A, B), each [B, 3, H, W], from conditions `first` and `second` of that shape.
  public func apply(_ first: Tensor, _ second: Tensor) throws -> (Tensor, Tensor) {
    let n = swapped.count
    guard first.shape == second.shape, first.shape.first == n else {
      throw TensorError.shapeMismatch(op: "ChannelShuffle", shapes: [first.shape, second.shape], reason: "must be equal with batch \(n)")
    }
    let both = try Tensor.concat([first, second], axis: 0)
    let a = try both.gather(batch: (0..<n).map { swapped[$0] ? n + $0 : $0 })
    let b = try both.gather(batch: (0..<n).map { swapped[$0] ? $0 : n + $0 })
    return (a, b)
  }
}
