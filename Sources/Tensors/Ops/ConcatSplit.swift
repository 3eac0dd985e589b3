// ConcatSplit: concatenation along any axis, and its inverses split and slice. Along axis a a
// tensor is `outer` blocks (the axes before a) of `size(a) · inner` contiguous floats, so each
// op is a strided copy of contiguous blocks; backward copies (adds) the blocks back.
import Kernels

/// For each of `blocks` blocks: dst[b·dstStride ..< +length] (+)= src[b·srcStride ..< +length].
/// Threaded over blocks when the copy is large.
func copyBlocks(
  _ src: UnsafePointer<Float>, srcStride: Int, _ dst: UnsafeMutablePointer<Float>, dstStride: Int,
  blocks: Int, length: Int, add: Bool
) {
  if blocks == 0 || length == 0 { return }
  if blocks == 1 {
    if add { accumulate(src, into: dst, length) } else { dst.update(from: src, count: length) }
    return
  }
  forEachItem(blocks, workPerItem: length) { b in
    let s = src + b * srcStride
    let d = dst + b * dstStride
    if add {
      for j in 0..<length { d[j] += s[j] }
    } else {
      d.update(from: s, count: length)
    }
  }
}

extension Tensor {
  /// Product of the sizes before and after `axis`.
  private func outerInner(_ axis: Int) -> (outer: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
  }

  /// Joins tensors along `axis` (all other sizes equal), as `torch.cat`; e.g. channels:
  /// `[N, C1, H, W]` and `[N, C2, H, W]` → `[N, C1 + C2, H, W]`.
  public static func concat(_ ts: [Tensor], axis: Int) throws -> Tensor {
    guard let first = ts.first else {
      throw TensorError.invalidArgument(op: "concat", reason: "needs at least one tensor")
    }
    let a = try resolvedAxis(axis, rank: first.rank, op: "concat", shape: first.shape)
    for t in ts.dropFirst() {
      var expected = first.shape
      if t.rank == first.rank { expected[a] = t.shape[a] }
      guard t.shape == expected else {
        throw TensorError.shapeMismatch(
          op: "concat", shapes: [first.shape, t.shape], reason: "differ outside axis \(axis)")
      }
    }
    var outShape = first.shape
    outShape[a] = ts.reduce(0) { $0 + $1.shape[a] }
    let out = Tensor(uninitialized: outShape)
    let (outer, inner) = out.outerInner(a)
    let outRow = outShape[a] * inner
    var offset = 0
    var offsets: [Int] = []
    for t in ts {
      offsets.append(offset)
      let length = t.shape[a] * inner
      copyBlocks(t.data, srcStride: length, out.data + offset, dstStride: outRow, blocks: outer, length: length, add: false)
      offset += length
    }
    return out.recorded("concat", ts) { g in
      for (t, start) in zip(ts, offsets) where t.requiresGrad {
        let length = t.shape[a] * inner
        copyBlocks(g.data + start, srcStride: outRow, t.gradBuffer().data, dstStride: length, blocks: outer, length: length, add: true)
      }
    }
  }

  /// The elements whose index along `axis` lies in `range`, as `x.narrow(axis, start, length)`
  /// (a copy); e.g. `[N, C, H, W]`, axis 1, 2..<5 → `[N, 3, H, W]`.
  public func slice(axis: Int, range: Range<Int>) throws -> Tensor {
    let a = try Tensor.resolvedAxis(axis, rank: rank, op: "slice", shape: shape)
    guard range.lowerBound >= 0 && range.upperBound <= shape[a] else {
      throw TensorError.invalidArgument(
        op: "slice", reason: "range \(range) outside 0..<\(shape[a]) on axis \(axis) of shape \(shape)")
    }
    var outShape = shape
    outShape[a] = range.count
    let out = Tensor(uninitialized: outShape)
    let (outer, inner) = outerInner(a)
    let row = shape[a] * inner
    let start = range.lowerBound * inner
    let length = range.count * inner
    copyBlocks(data + start, srcStride: row, out.data, dstStride: length, blocks: outer, length: length, add: false)
    return out.recorded("slice", [self]) { [self] g in
      copyBlocks(g.data, srcStride: length, gradBuffer().data + start, dstStride: row, blocks: outer, length: length, add: true)
    }
  }

  /// Consecutive pieces of `sizes[i]` along `axis` (the sizes must add up to its length), as
  /// `torch.split(x, sizes, dim)`.
  public func split(sizes: [Int], axis: Int) throws -> [Tensor] {
    let a = try Tensor.resolvedAxis(axis, rank: rank, op: "split", shape: shape)
    guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
      throw TensorError.invalidArgument(
        op: "split", reason: "sizes \(sizes) must be ≥ 0 and add up to \(shape[a]), the length of axis \(axis) of shape \(shape)")
    }
    var start = 0
    return try sizes.map { size in
      defer { start += size }
      return try slice(axis: a, range: start..<(start + size))
    }
  }
}
