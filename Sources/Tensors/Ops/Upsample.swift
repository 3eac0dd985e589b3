// Upsample: ×2 spatial upsampling of [N, C, H, W], nearest and bilinear, matching
// F.interpolate(scale_factor=2, mode='nearest' / 'bilinear', align_corners=…). Bilinear reads
// each output pixel from two rows × two columns with weights from a per-axis table; backward
// scatters the output gradient back with the same weights. Threaded over planes.
import Kernels

/// Bilinear source indices and weights along one axis: output i reads
/// `w0[i] · in[i0[i]] + w1[i] · in[i1[i]]`. Unsafe buffers, read in the per-pixel loops.
private final class LinearTaps {
  let i0: UnsafeMutablePointer<Int>
  let i1: UnsafeMutablePointer<Int>
  let w0: UnsafeMutablePointer<Float>
  let w1: UnsafeMutablePointer<Float>

  /// PyTorch's `area_pixel_compute_source_index` for scale factor 2: with align_corners the
  /// corners map onto each other (src = d · (n − 1)/(2n − 1)); without, pixel centres do
  /// (src = (d + ½)/2 − ½, clamped at 0).
  init(size n: Int, alignCorners: Bool) {
    let out = 2 * n
    (i0, i1) = (.allocate(capacity: out), .allocate(capacity: out))
    (w0, w1) = (.allocate(capacity: out), .allocate(capacity: out))
    let scale: Float = alignCorners ? (out > 1 ? Float(n - 1) / Float(out - 1) : 0) : 0.5
    for d in 0..<out {
      let src = alignCorners ? scale * Float(d) : max(0, scale * (Float(d) + 0.5) - 0.5)
      let lo = min(Int(src), n - 1)
      let lambda = min(src - Float(lo), 1)
      i0[d] = lo
      i1[d] = lo < n - 1 ? lo + 1 : lo
      w1[d] = lambda
      w0[d] = 1 - lambda
    }
  }

  deinit {
    i0.deallocate()
    i1.deallocate()
    w0.deallocate()
    w1.deallocate()
  }
}

extension Tensor {
  /// Each pixel repeated into a 2 × 2 block: `[N, C, H, W]` → `[N, C, 2H, 2W]`, as
  /// `F.interpolate(x, scale_factor=2, mode='nearest')`.
  public func upsampleNearest2x() -> Tensor {
    precondition(rank == 4, "upsampleNearest2x: needs [N, C, H, W], got shape \(shape)")
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    let out = Tensor(uninitialized: [shape[0], shape[1], 2 * h, 2 * w])
    forEachItem(planes, workPerItem: 4 * h * w) { p in
      let src = data + p * h * w
      let dst = out.data + p * 4 * h * w
      for y in 0..<h {
        let s = src + y * w
        let d = dst + 2 * y * 2 * w
        for x in 0..<w {
          d[2 * x] = s[x]
          d[2 * x + 1] = s[x]
        }
        (d + 2 * w).update(from: d, count: 2 * w)
      }
    }
    return out.recorded("upsampleNearest2x", [self]) { [self] g in
      let target = gradBuffer()
      forEachItem(planes, workPerItem: 4 * h * w) { p in
        let gp = g.data + p * 4 * h * w
        let tp = target.data + p * h * w
        for y in 0..<h {
          let g0 = gp + 2 * y * 2 * w
          let g1 = g0 + 2 * w
          let t = tp + y * w
          for x in 0..<w { t[x] += (g0[2 * x] + g0[2 * x + 1]) + (g1[2 * x] + g1[2 * x + 1]) }
        }
      }
    }
  }

  /// Bilinear ×2: `[N, C, H, W]` → `[N, C, 2H, 2W]`, as
  /// `F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=alignCorners)`.
  public func upsampleBilinear2x(alignCorners: Bool) -> Tensor {
    precondition(rank == 4, "upsampleBilinear2x: needs [N, C, H, W], got shape \(shape)")
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    let (oh, ow) = (2 * h, 2 * w)
    let ty = LinearTaps(size: h, alignCorners: alignCorners)
    let tx = LinearTaps(size: w, alignCorners: alignCorners)
    let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow])
    // Separable: each input row is interpolated along W once into `rows` ([H, 2W] per
    // plane), then each output row blends two of them, a · rows[i0] + b · rows[i1], which is
    // a · (c · x[i0, j0] + e · x[i0, j1]) + b · (…), the same products and sums as PyTorch.
    forEachItem(planes, workPerItem: oh * ow) { p in
      let rows = UnsafeMutablePointer<Float>.allocate(capacity: h * ow)
      defer { rows.deallocate() }
      let src = data + p * h * w
      let dst = out.data + p * oh * ow
      for y in 0..<h {
        let (s, r) = (src + y * w, rows + y * ow)
        for ox in 0..<ow { r[ox] = tx.w0[ox] * s[tx.i0[ox]] + tx.w1[ox] * s[tx.i1[ox]] }
      }
      for oy in 0..<oh {
        let (a, b) = (Vec(repeating: ty.w0[oy]), Vec(repeating: ty.w1[oy]))
        simdZip(ow, rows + ty.i0[oy] * ow, rows + ty.i1[oy] * ow, dst + oy * ow) { a * $0 + b * $1 }
      }
    }
    return out.recorded("upsampleBilinear2x", [self]) { [self] g in
      let target = gradBuffer()
      forEachItem(planes, workPerItem: oh * ow) { p in
        // The transpose of the forward: output rows' gradients blend into per-input-row
        // gradients along 2W, which then fold onto the W columns.
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: h * ow)
        defer { rows.deallocate() }
        rows.update(repeating: 0, count: h * ow)
        let gp = g.data + p * oh * ow
        let tp = target.data + p * h * w
        for oy in 0..<oh {
          let (a, b) = (Vec(repeating: ty.w0[oy]), Vec(repeating: ty.w1[oy]))
          let (r0, r1) = (rows + ty.i0[oy] * ow, rows + ty.i1[oy] * ow)
          simdZip(ow, gp + oy * ow, r0, r0) { $1 + a * $0 }
          simdZip(ow, gp + oy * ow, r1, r1) { $1 + b * $0 }
        }
        for y in 0..<h {
          let (r, t) = (rows + y * ow, tp + y * w)
          for ox in 0..<ow {
            t[tx.i0[ox]] += tx.w0[ox] * r[ox]
            t[tx.i1[ox]] += tx.w1[ox] * r[ox]
          }
        }
      }
    }
  }
}
