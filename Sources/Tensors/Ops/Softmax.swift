// Softmax: softmax and log-softmax along one axis, numerically stable (the maximum along the
// axis is subtracted before exponentiating), with backward. The tensor is viewed as
// [outer, L, inner] around the axis: for the last axis (inner = 1) each contiguous row is one
// SIMD pass; otherwise L rows of `inner` contiguous columns are combined lane-wise.
// Also home of `logSumExp`, which cross-entropy shares.
import Foundation
import Kernels

extension Tensor {
  /// exp(x − max) / Σ exp(x − max) along `axis` (negative counts from the end); same shape as x.
  /// PyTorch's `softmax(x, dim=axis)`. d/dx: y·(g − Σ g·y).
  public func softmax(axis: Int) throws -> Tensor {
    try softmaxOp(.softmax, axis: axis)
  }

  /// x − max − log Σ exp(x − max) along `axis`; same shape as x. PyTorch's
  /// `log_softmax(x, dim=axis)`. d/dx: g − exp(y)·Σ g.
  public func logSoftmax(axis: Int) throws -> Tensor {
    try softmaxOp(.logSoftmax, axis: axis)
  }

  private func softmaxOp(_ kind: SoftmaxKind, axis: Int) throws -> Tensor {
    let op = kind == .softmax ? "softmax" : "log_softmax"
    guard axis >= -rank && axis < rank else {
      throw TensorError.invalidArgument(
        op: op, reason: "axis \(axis) is out of range for shape \(shape) (use -\(rank)..<\(rank))")
    }
    let a = axis < 0 ? axis + rank : axis
    let layout = SoftmaxLayout(
      outer: shape[..<a].reduce(1, *), length: shape[a], inner: shape[(a + 1)...].reduce(1, *))
    let out = Tensor(uninitialized: shape)
    if count > 0 { softmaxForward(kind, layout, data, out.data) }
    return out.recorded(op, [self]) { [self, y = out.detached()] g in
      softmaxBackward(kind, layout, g.data, y.data, gradBuffer().data)
    }
  }
}

private enum SoftmaxKind { case softmax, logSoftmax }

/// The tensor around the softmax axis: `outer` blocks of `length` rows of `inner` columns.
private struct SoftmaxLayout {
  let outer: Int, length: Int, inner: Int

  /// Runs `body(o)` for each outer block, threaded when the tensor is large.
  func forEachBlock(_ body: (Int) -> Void) {
    if outer > 1 && outer * length * inner >= 32_768 {
      Threading.forEach(outer, body)
    } else {
      for o in 0..<outer { body(o) }
    }
  }
}

/// Lane-wise maximum as a compare and blend (the generic `pointwiseMax` runs per lane).
@inline(__always)
private func laneMax(_ a: Vec, _ b: Vec) -> Vec {
  a.replacing(with: b, where: b .> a)
}

/// max of n ≥ 1 floats.
@inline(__always)
private func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
  var m = Vec(repeating: -.infinity)
  var i = 0
  while i + 16 <= n {
    m = laneMax(m, UnsafeRawPointer(p + i).loadUnaligned(as: Vec.self))
    i += 16
  }
  var r = m.max()
  while i < n {
    r = max(r, p[i])
    i += 1
  }
  return r
}

/// log Σ exp(x[i]) over n ≥ 1 contiguous floats as m + log Σ exp(x[i] − m), m = max x[i],
/// returned as its two parts: callers subtract them one at a time from x, which keeps
/// x − m exact and so stays accurate for large logits.
func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> (max: Float, logSum: Float) {
  let m = rowMax(x, n)
  let s = simdSum(n, x) { vexp($0 - m) }
  return (m, Float(Foundation.log(s)))
}

/// y = softmax or log-softmax of x along the layout's middle axis.
private func softmaxForward(
  _ kind: SoftmaxKind, _ l: SoftmaxLayout, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
) {
  let n = l.length
  if l.inner == 1 {
    l.forEachBlock { o in
      let xr = x + o * n, yr = y + o * n
      switch kind {
      case .softmax:
        let m = rowMax(xr, n)
        simdMap(n, xr, yr) { vexp($0 - m) }
        scale(yr, n, by: Float(1 / simdSum(n, yr)))
      case .logSoftmax:
        let (m, logSum) = logSumExp(xr, n)
        simdMap(n, xr, yr) { ($0 - m) - logSum }
      }
    }
    return
  }
  let w = l.inner
  l.forEachBlock { o in
    let xb = x + o * n * w, yb = y + o * n * w
    // Column-wise maximum m and Σ exp(x − m) over the n rows, each `w` wide.
    let m = Tensor(uninitialized: [w]), s = Tensor.zeros([w])
    m.data.update(from: xb, count: w)
    for r in 1..<n { simdZip(w, m.data, xb + r * w, m.data, laneMax) }
    for r in 0..<n {
      simdZip(w, xb + r * w, m.data, yb + r * w) { vexp($0 - $1) }
      accumulate(yb + r * w, into: s.data, w)
    }
    switch kind {
    case .softmax:
      for r in 0..<n { simdZip(w, yb + r * w, s.data, yb + r * w) { $0 / $1 } }
    case .logSoftmax:
      simdMap(w, s.data, s.data) { vlog($0) }
      for r in 0..<n { simdZip3(w, xb + r * w, m.data, s.data, yb + r * w) { x, m, ls in (x - m) - ls } }
    }
  }
}

/// target += ∂L/∂x given g = ∂L/∂y and the forward output y.
private func softmaxBackward(
  _ kind: SoftmaxKind, _ l: SoftmaxLayout, _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
  _ target: UnsafeMutablePointer<Float>
) {
  let n = l.length
  if l.inner == 1 {
    l.forEachBlock { o in
      let gr = g + o * n, yr = y + o * n, tr = target + o * n
      switch kind {
      case .softmax:
        let t = Float(simdZipSum(n, gr, yr) { $0 * $1 })
        simdZip3(n, gr, yr, tr, tr) { g, y, acc in acc + y * (g - t) }
      case .logSoftmax:
        let t = Float(simdSum(n, gr))
        simdZip3(n, gr, yr, tr, tr) { g, y, acc in acc + g - vexp(y) * t }
      }
    }
    return
  }
  let w = l.inner
  l.forEachBlock { o in
    let base = o * n * w
    // t = Σ over rows of g·y (softmax) or of g (log-softmax), column-wise.
    let t = Tensor.zeros([w])
    for r in 0..<n {
      let gr = g + base + r * w, yr = y + base + r * w
      switch kind {
      case .softmax: simdZip3(w, gr, yr, t.data, t.data) { g, y, acc in acc + g * y }
      case .logSoftmax: accumulate(gr, into: t.data, w)
      }
    }
    for r in 0..<n {
      let gr = g + base + r * w, yr = y + base + r * w, tr = target + base + r * w
      switch kind {
      case .softmax: simdZip4(w, gr, yr, t.data, tr, tr) { g, y, t, acc in acc + y * (g - t) }
      case .logSoftmax: simdZip4(w, gr, yr, t.data, tr, tr) { g, y, t, acc in acc + g - vexp(y) * t }
      }
    }
  }
}
