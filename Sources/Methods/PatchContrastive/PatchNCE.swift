// PatchNCE: CUT's patch-wise contrastive loss for one layer (algorithms.md §2.4; CUT's
// PatchNCELoss): for queries q (G(x)'s projected patches) and keys k (x's, at the same positions,
// detached), both `[B, S, D]` and unit length, each query's logits are [q_i·k_i, q_i·k_j for every
// j of the same image] with the self-pair j = i of the negative block set to −10, divided by τ; the
// loss is the cross-entropy with the positive at index 0, averaged over the B·S queries. Negatives
// come only from the query's own image.
import Tensors

/// PatchNCE of queries `q` against keys `k` (`[B, S, D]`; `k` is detached here) at temperature τ.
public func patchNCELoss(queries q: Tensor, keys: Tensor, temperature: Float) throws -> Tensor {
  let (b, s) = (q.shape[0], q.shape[1])
  let k = keys.detached()
  let positive = try (q * k).sum(axes: [2], keepDims: true)  // [B, S, 1]
  let negative = try matmul(q, try k.permuted([0, 2, 1]))  // [B, S, S]
  let (keep, fill) = diagonalMask(s, value: -10)
  let logits = try Tensor.concat([positive, try negative * keep + fill], axis: 2) * (1 / temperature)
  return try crossEntropyLoss(logits: try logits.reshaped([b * s, s + 1]), targets: [Int](repeating: 0, count: b * s))
}

/// (1 − I, value·I) as `[1, n, n]` tensors: multiplying by the first and adding the second sets a
/// matrix's diagonal to `value`.
func diagonalMask(_ n: Int, value: Float) -> (keep: Tensor, fill: Tensor) {
  let keep = Tensor(shape: [1, n, n], repeating: 1), fill = Tensor(shape: [1, n, n], repeating: 0)
  for i in 0..<n {
    keep.data[i * n + i] = 0
    fill.data[i * n + i] = value
  }
  return (keep, fill)
}
