// Normalization: group norm (and instance norm, its groups = C case) over [N, C, *], and
// layer norm over the trailing axes, as PyTorch: biased variance, eps inside the square root,
// optional affine. Forward and the standard backward are threaded over the normalised rows
// ((n, group) or a layer-norm row); each row's loops are serial SIMD.
//
// Backward, per row of M elements with x̂ = (x − μ)·r, r = 1/√(σ² + eps), ĝ = g·w:
//   ∂L/∂x = r · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)),  ∂L/∂w = Σ g·x̂,  ∂L/∂b = Σ g.
import Kernels

/// Σ f(a[i], b[i], c[i]) for i in 0..<n on the calling thread, float32 lanes folded into a
/// Double every 1024 elements.
@inline(__always)
private func rowSum(
  _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
  _ f: (Vec, Vec, Vec) -> Vec
) -> Double {
  var total = 0.0
  var acc = Vec(repeating: 0)
  var i = 0
  while i + 16 <= n {
    acc += f(
      UnsafeRawPointer(a + i).loadUnaligned(as: Vec.self), UnsafeRawPointer(b + i).loadUnaligned(as: Vec.self),
      UnsafeRawPointer(c + i).loadUnaligned(as: Vec.self))
    i += 16
    if i & 1023 == 0 {
      total += Double(acc.sum())
      acc = Vec(repeating: 0)
    }
  }
  total += Double(acc.sum())
  if i < n {
    var va = Vec(repeating: 0)
    var vb = Vec(repeating: 0)
    var vc = Vec(repeating: 0)
    for j in 0..<(n - i) {
      va[j] = a[i + j]
      vb[j] = b[i + j]
      vc[j] = c[i + j]
    }
    let v = f(va, vb, vc)
    for j in 0..<(n - i) { total += Double(v[j]) }
  }
  return total
}

/// out[i] = f(a[i], b[i], c[i]) for i in 0..<n on the calling thread (`out` may alias an input).
@inline(__always)
private func rowMap(
  _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
  _ out: UnsafeMutablePointer<Float>, _ f: (Vec, Vec, Vec) -> Vec
) {
  var i = 0
  while i + 16 <= n {
    let v = f(
      UnsafeRawPointer(a + i).loadUnaligned(as: Vec.self), UnsafeRawPointer(b + i).loadUnaligned(as: Vec.self),
      UnsafeRawPointer(c + i).loadUnaligned(as: Vec.self))
    UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: Vec.self)
    i += 16
  }
  if i < n {
    var va = Vec(repeating: 0)
    var vb = Vec(repeating: 0)
    var vc = Vec(repeating: 0)
    for j in 0..<(n - i) {
      va[j] = a[i + j]
      vb[j] = b[i + j]
      vc[j] = c[i + j]
    }
    let v = f(va, vb, vc)
    for j in 0..<(n - i) { out[i + j] = v[j] }
  }
}

/// Mean and 1/√(biased variance + eps) of `n` contiguous floats (two passes).
@inline(__always)
private func moments(_ x: UnsafePointer<Float>, _ n: Int, eps: Float) -> (mean: Float, rstd: Float) {
  let mean = Float(rowSum(n, x, x, x) { v, _, _ in v } / Double(n))
  let m = Vec(repeating: mean)
  let variance = rowSum(n, x, x, x) { v, _, _ in (v - m) * (v - m) } / Double(n)
  return (mean, Float(1 / (variance + Double(eps)).squareRoot()))
}

extension Tensor {
  /// Group normalisation of `[N, C, *]` (e.g. `[N, C, H, W]`): each sample's channels split
  /// into `groups` groups, each normalised over its channels and positions, then scaled by
  /// `weight` `[C]` and shifted by `bias` `[C]` (either may be nil), as `F.group_norm`.
  public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
    try groupNormalized("groupNorm", groups: groups, weight: weight, bias: bias, eps: eps)
  }

  /// Instance normalisation of `[N, C, *]`: each (sample, channel) normalised over its
  /// positions, with optional per-channel affine `[C]` — `F.instance_norm` without running
  /// statistics, i.e. group norm with one channel per group.
  public func instanceNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
    guard rank >= 2 else {
      throw TensorError.invalidArgument(op: "instanceNorm", reason: "needs [N, C, *], got shape \(shape)")
    }
    return try groupNormalized("instanceNorm", groups: shape[1], weight: weight, bias: bias, eps: eps)
  }

  private func groupNormalized(_ op: String, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
    guard rank >= 2 else {
      throw TensorError.invalidArgument(op: op, reason: "needs [N, C, *], got shape \(shape)")
    }
    let (n, c) = (shape[0], shape[1])
    guard groups >= 1, c % groups == 0 else {
      throw TensorError.invalidArgument(op: op, reason: "\(groups) groups do not divide the \(c) channels of shape \(shape)")
    }
    for p in [weight, bias].compactMap({ $0 }) where p.shape != [c] {
      throw TensorError.shapeMismatch(op: op, shapes: [shape, p.shape], reason: "affine parameters must be [C] = [\(c)]")
    }
    let spatial = shape[2...].reduce(1, *)
    let perGroup = c / groups
    let length = perGroup * spatial
    let rows = n * groups
    let mean = Tensor(uninitialized: [rows])
    let rstd = Tensor(uninitialized: [rows])
    let out = Tensor(uninitialized: shape)
    forEachItem(rows, workPerItem: length) { r in
      let x = data + r * length
      let (mu, rs) = moments(x, length, eps: eps)
      mean.data[r] = mu
      rstd.data[r] = rs
      for k in 0..<perGroup {
        let ch = (r % groups) * perGroup + k
        let scale = rs * (weight?.data[ch] ?? 1)
        let shift = (bias?.data[ch] ?? 0) - mu * scale
        let (s, t) = (Vec(repeating: scale), Vec(repeating: shift))
        rowMap(spatial, x + k * spatial, x + k * spatial, x + k * spatial, out.data + r * length + k * spatial) { v, _, _ in
          v * s + t
        }
      }
    }
    let inputs = [self] + [weight, bias].compactMap { $0 }
    return out.recorded(op, inputs) { [self] g in
      // Per (n, c): A = Σ g·x̂ and B = Σ g over positions (the affine gradients before Σ_n).
      let sumGX = Tensor(uninitialized: [n * c])
      let sumG = Tensor(uninitialized: [n * c])
      let dx = requiresGrad ? gradBuffer().data : nil
      forEachItem(rows, workPerItem: length) { r in
        let (mu, rs) = (mean.data[r], rstd.data[r])
        var meanGy = 0.0
        var meanGyx = 0.0
        for k in 0..<perGroup {
          let offset = r * length + k * spatial
          let gx = rowSum(spatial, g.data + offset, data + offset, data + offset) { a, b, _ in a * b }
          let gs = rowSum(spatial, g.data + offset, g.data + offset, g.data + offset) { a, _, _ in a }
          let a = Double(rs) * (gx - Double(mu) * gs)
          sumGX.data[r * perGroup + k] = Float(a)
          sumG.data[r * perGroup + k] = Float(gs)
          let w = Double(weight?.data[(r % groups) * perGroup + k] ?? 1)
          meanGy += w * gs
          meanGyx += w * a
        }
        guard let dx else { return }
        meanGy /= Double(length)
        meanGyx /= Double(length)
        // dx = α_c·g + β·x + γ with α_c = r·w_c, β = −r²·mean(ĝx̂), γ = r²·μ·mean(ĝx̂) − r·mean(ĝ).
        let beta = Vec(repeating: Float(-Double(rs) * Double(rs) * meanGyx))
        let gamma = Vec(repeating: Float(Double(rs) * Double(rs) * Double(mu) * meanGyx - Double(rs) * meanGy))
        for k in 0..<perGroup {
          let offset = r * length + k * spatial
          let alpha = Vec(repeating: rs * (weight?.data[(r % groups) * perGroup + k] ?? 1))
          rowMap(spatial, g.data + offset, data + offset, dx + offset, dx + offset) { gv, xv, acc in
            acc + alpha * gv + beta * xv + gamma
          }
        }
      }
      for (p, sums) in [(weight, sumGX), (bias, sumG)] {
        guard let p, p.requiresGrad else { continue }
        let target = p.gradBuffer().data
        for s in 0..<n { accumulate(sums.data + s * c, into: target, c) }
      }
    }
  }

  /// Layer normalisation over the last `lastAxes` axes (e.g. `[N, L, D]` with 1, or
  /// `[N, C, H, W]` with 3), each row scaled by `weight` and shifted by `bias` of shape
  /// `shape.suffix(lastAxes)` (either may be nil), as `F.layer_norm(x, shape[-lastAxes:], …)`.
  public func layerNorm(lastAxes: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
    guard lastAxes >= 1 && lastAxes <= rank else {
      throw TensorError.invalidArgument(op: "layerNorm", reason: "lastAxes \(lastAxes) must be in 1...\(rank) for shape \(shape)")
    }
    let normalized = Array(shape.suffix(lastAxes))
    for p in [weight, bias].compactMap({ $0 }) where p.shape != normalized {
      throw TensorError.shapeMismatch(
        op: "layerNorm", shapes: [shape, p.shape], reason: "affine parameters must be \(normalized), the last \(lastAxes) axes")
    }
    let length = normalized.reduce(1, *)
    let rows = count / max(length, 1)
    let mean = Tensor(uninitialized: [rows])
    let rstd = Tensor(uninitialized: [rows])
    let out = Tensor(uninitialized: shape)
    // Missing affine parameters act as ones / zeros.
    let w = weight ?? Tensor(shape: normalized, repeating: 1)
    let b = bias ?? Tensor(shape: normalized, repeating: 0)
    forEachItem(rows, workPerItem: length) { r in
      let x = data + r * length
      let (mu, rs) = moments(x, length, eps: eps)
      mean.data[r] = mu
      rstd.data[r] = rs
      let (m, s) = (Vec(repeating: mu), Vec(repeating: rs))
      rowMap(length, x, w.data, b.data, out.data + r * length) { xv, wv, bv in (xv - m) * s * wv + bv }
    }
    let inputs = [self] + [weight, bias].compactMap { $0 }
    return out.recorded("layerNorm", inputs) { [self] g in
      if requiresGrad {
        let dx = gradBuffer().data
        forEachItem(rows, workPerItem: length) { r in
          let (mu, rs) = (mean.data[r], rstd.data[r])
          let offset = r * length
          // mean(ĝ) and mean(ĝ·x̂) = r·(mean(ĝ·x) − μ·mean(ĝ)), with ĝ = g·w.
          let gw = rowSum(length, g.data + offset, w.data, w.data) { a, b, _ in a * b } / Double(length)
          let gwx = rowSum(length, g.data + offset, w.data, data + offset) { a, b, c in a * b * c } / Double(length)
          let gyx = Double(rs) * (gwx - Double(mu) * gw)
          let alpha = Vec(repeating: rs)
          let beta = Vec(repeating: Float(-Double(rs) * Double(rs) * gyx))
          let gamma = Vec(repeating: Float(Double(rs) * Double(rs) * Double(mu) * gyx - Double(rs) * gw))
          // dx = r·w·g + β·x + γ, in two steps: acc += β·x + γ, then acc += r·w·g.
          rowMap(length, data + offset, dx + offset, dx + offset, dx + offset) { xv, acc, _ in acc + beta * xv + gamma }
          rowMap(length, g.data + offset, w.data, dx + offset, dx + offset) { gv, wv, acc in acc + alpha * wv * gv }
        }
      }
      let needW = weight?.requiresGrad ?? false
      let needB = bias?.requiresGrad ?? false
      guard needW || needB else { return }
      let dw = needW ? weight!.gradBuffer().data : nil
      let db = needB ? bias!.gradBuffer().data : nil
      // Column chunks in parallel, rows in order within a chunk: no two threads share a column.
      Threading.forEachChunk(length, minChunk: max(16, 32_768 / max(rows, 1))) { cols in
        for r in 0..<rows {
          let (m, s) = (Vec(repeating: mean.data[r]), Vec(repeating: rstd.data[r]))
          let gr = g.data + r * length + cols.lowerBound
          let xr = data + r * length + cols.lowerBound
          if let dw {
            rowMap(cols.count, gr, xr, dw + cols.lowerBound, dw + cols.lowerBound) { gv, xv, acc in acc + gv * (xv - m) * s }
          }
          if let db {
            rowMap(cols.count, gr, db + cols.lowerBound, db + cols.lowerBound, db + cols.lowerBound) { gv, acc, _ in acc + gv }
          }
        }
      }
    }
  }
}
