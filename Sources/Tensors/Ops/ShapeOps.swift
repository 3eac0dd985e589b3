// ShapeOps: reshape (a view of the same contiguous storage) and permute (a copy in the new axis
// order). Permute folds axes that stay adjacent, so [N, C, H, W] ↔ [N, H, W, C] becomes a
// batched 2-D transpose done in cache-sized tiles; other orders copy contiguous runs or stride.
import Kernels

extension Tensor {
  /// `axis` in `-rank..<rank` as a non-negative axis (negative counts from the end, as PyTorch).
  static func resolvedAxis(_ axis: Int, rank: Int, op: String, shape: [Int]) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < rank else {
      throw TensorError.invalidArgument(
        op: op, reason: "axis \(axis) out of range for shape \(shape) (rank \(rank)); use -\(rank)..<\(rank)")
    }
    return a
  }

  /// The same elements with a new shape (same count; one size may be -1 and is inferred), as
  /// PyTorch's `reshape`. Shares storage with `self`; gradients flow back reshaped.
  public func reshaped(_ newShape: [Int]) throws -> Tensor {
    let inferred = newShape.indices.filter { newShape[$0] == -1 }
    guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
      throw TensorError.shapeMismatch(
        op: "reshape", shapes: [shape, newShape], reason: "invalid target (sizes ≥ 0, at most one -1)")
    }
    var target = newShape
    if let i = inferred.first {
      let known = newShape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
      guard known > 0, count % known == 0 else {
        throw TensorError.shapeMismatch(
          op: "reshape", shapes: [shape, newShape], reason: "cannot infer -1: \(count) elements do not divide by \(known)")
      }
      target[i] = count / known
    }
    guard target.reduce(1, *) == count else {
      throw TensorError.shapeMismatch(
        op: "reshape", shapes: [shape, newShape],
        reason: "hold different numbers of elements (\(count) vs \(target.reduce(1, *)))")
    }
    let out = Tensor(shape: target, storage: storage, data: data)
    return out.recorded("reshape", [self]) { [self] g in
      accumulate(g.data, into: gradBuffer().data, count)
    }
  }

  /// The axes reordered: output axis i is input axis `axes[i]`, as PyTorch's `permute`
  /// (e.g. `[0, 2, 3, 1]` turns `[N, C, H, W]` into `[N, H, W, C]`). Returns a contiguous copy.
  public func permuted(_ axes: [Int]) throws -> Tensor {
    guard axes.count == rank else {
      throw TensorError.invalidArgument(
        op: "permute", reason: "axes \(axes) do not match shape \(shape): need one axis per dimension")
    }
    let resolved = try axes.map { try Tensor.resolvedAxis($0, rank: rank, op: "permute", shape: shape) }
    guard Set(resolved).count == rank else {
      throw TensorError.invalidArgument(op: "permute", reason: "axes \(axes) are not a permutation of the axes of shape \(shape)")
    }
    let out = Tensor(uninitialized: resolved.map { shape[$0] })
    permuteCopy(data, shape: shape, axes: resolved, into: out.data)
    return out.recorded("permute", [self]) { [self] g in
      var inverse = Array(repeating: 0, count: resolved.count)
      for (i, a) in resolved.enumerated() { inverse[a] = i }
      let back = Tensor(uninitialized: shape)
      permuteCopy(g.data, shape: g.shape, axes: inverse, into: back.data)
      accumulate(back.data, into: gradBuffer().data, count)
    }
  }
}

/// Drops size-1 axes and merges runs of output axes that are consecutive in the input.
/// Returns the folded input sizes (input order) and the folded permutation.
private func foldPermutation(shape: [Int], axes: [Int]) -> (dims: [Int], perm: [Int]) {
  let kept = shape.indices.filter { shape[$0] != 1 }
  var rankAmongKept = [Int: Int]()
  for (r, a) in kept.enumerated() { rankAmongKept[a] = r }
  // Groups of kept input axes (renumbered), in output order.
  var groups: [[Int]] = []
  for a in axes where shape[a] != 1 {
    let r = rankAmongKept[a]!
    if let last = groups.last?.last, last + 1 == r {
      groups[groups.count - 1].append(r)
    } else {
      groups.append([r])
    }
  }
  if groups.isEmpty { return ([1], [0]) }
  let inputOrder = groups.indices.sorted { groups[$0][0] < groups[$1][0] }
  let dims = inputOrder.map { groups[$0].reduce(1) { $0 * shape[kept[$1]] } }
  var position = Array(repeating: 0, count: groups.count)
  for (p, g) in inputOrder.enumerated() { position[g] = p }
  return (dims, position)
}

/// Writes the input (row-major `shape`) permuted by `axes` into `dst` (contiguous).
/// [B, R, C] → [B, C, R] is tiled; runs that stay contiguous are copied whole.
private func permuteCopy(
  _ src: UnsafePointer<Float>, shape: [Int], axes: [Int], into dst: UnsafeMutablePointer<Float>
) {
  let total = shape.reduce(1, *)
  if total == 0 { return }
  let (dims, perm) = foldPermutation(shape: shape, axes: axes)
  let rank = dims.count
  if rank == 1 {
    dst.update(from: src, count: total)
    return
  }
  if perm == [1, 0] || perm == [0, 2, 1] {
    let batch = rank == 3 ? dims[0] : 1
    transposeTiled(src, batch: batch, rows: dims[rank - 2], cols: dims[rank - 1], into: dst)
    return
  }
  var inStrides = Array(repeating: 1, count: rank)
  for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * dims[i + 1] }
  let outDims = perm.map { dims[$0] }
  let strideOfOut = perm.map { inStrides[$0] }
  let inner = outDims[rank - 1]
  let innerStride = strideOfOut[rank - 1]
  let rows = total / inner
  forEachItem(rows, workPerItem: inner) { row in
    var rem = row
    var offset = 0
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      offset += (rem % outDims[axis]) * strideOfOut[axis]
      rem /= outDims[axis]
    }
    let o = dst + row * inner
    let s = src + offset
    if innerStride == 1 {
      o.update(from: s, count: inner)
    } else {
      for j in 0..<inner { o[j] = s[j * innerStride] }
    }
  }
}

/// dst[b, c, r] = src[b, r, c] for `batch` matrices of `rows` × `cols`, in tiles of 8 rows ×
/// 64 columns written column by column (8 contiguous floats per store run): measured 2–3× faster
/// than square 32 × 32 tiles on [8, 64, 16384] both ways, where one side's stride is a power of
/// two and square tiles thrash the cache sets. Threaded over (batch, row tile).
private func transposeTiled(
  _ src: UnsafePointer<Float>, batch: Int, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>
) {
  let (tileRows, tileCols) = (8, 64)
  let rowTiles = (rows + tileRows - 1) / tileRows
  forEachItem(batch * rowTiles, workPerItem: tileRows * cols) { item in
    let b = item / rowTiles
    let r0 = (item % rowTiles) * tileRows
    let r1 = min(rows, r0 + tileRows)
    let s = src + b * rows * cols
    let d = dst + b * rows * cols
    var c0 = 0
    while c0 < cols {
      let c1 = min(cols, c0 + tileCols)
      for c in c0..<c1 {
        for r in r0..<r1 { d[c * rows + r] = s[r * cols + c] }
      }
      c0 = c1
    }
  }
}
