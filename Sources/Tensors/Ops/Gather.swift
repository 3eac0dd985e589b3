// Gather: per-sample selection along the batch axis, out[i] = x[indices[i]]. DA's channel
// shuffle uses it to swap condition slots per sample; indices may repeat, so backward
// scatter-adds each output sample's gradient into the sample it was read from.
import Kernels

extension Tensor {
  /// `[N, …]` → `[indices.count, …]` with out[i] = self[indices[i]] (axis 0), as
  /// `x[torch.tensor(indices)]`. Each index must lie in `0..<N`; indices may repeat.
  public func gather(batch indices: [Int]) throws -> Tensor {
    guard rank >= 1 else {
      throw TensorError.invalidArgument(op: "gather", reason: "needs a batch axis, got a scalar of shape \(shape)")
    }
    let n = shape[0]
    if let bad = indices.first(where: { $0 < 0 || $0 >= n }) {
      throw TensorError.invalidArgument(
        op: "gather", reason: "index \(bad) outside the batch 0..<\(n) of shape \(shape)")
    }
    let sample = count / max(n, 1)
    let out = Tensor(uninitialized: [indices.count] + shape.dropFirst())
    forEachItem(indices.count, workPerItem: sample) { i in
      (out.data + i * sample).update(from: data + indices[i] * sample, count: sample)
    }
    return out.recorded("gather", [self]) { [self] g in
      let target = gradBuffer()
      // Sequential over samples: repeated indices add into the same sample.
      for (i, source) in indices.enumerated() {
        accumulate(g.data + i * sample, into: target.data + source * sample, sample)
      }
    }
  }
}
