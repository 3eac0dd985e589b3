// InfoNCE: the NT-Xent loss of the MPE function's contrastive objective (algorithms.md §5.6; the
// authors' equireg/mpe/train.py `info_nce_loss`): the 2N projections of two views are normalised
// to unit length, their cosine similarities divided by the temperature τ, each row's own
// similarity masked out, and the cross-entropy taken against the other view of the same image.
import Tensors

/// NT-Xent of two views' projections `z1`, `z2` (`[N, D]` each) at temperature `temperature`.
public func infoNCELoss(_ z1: Tensor, _ z2: Tensor, temperature: Float) throws -> Tensor {
  let n = z1.shape[0]
  let z = try Tensor.concat([z1, z2], axis: 0)
  let unit = try z / (try z.square().sum(axes: [1], keepDims: true) + 1e-24).sqrt()
  let selfMask = Tensor(shape: [2 * n, 2 * n], repeating: 0)
  for i in 0..<(2 * n) { selfMask.data[i * 2 * n + i] = -1e9 }
  let similarity = try matmul(unit, try unit.permuted([1, 0])) * (1 / temperature) + selfMask
  return try crossEntropyLoss(logits: similarity, targets: (0..<(2 * n)).map { ($0 + n) % (2 * n) })
}
