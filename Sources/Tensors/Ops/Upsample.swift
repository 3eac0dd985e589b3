// Upsample: ×2 spatial upsampling of [N, C, H, W], nearest and bilinear, matching
// F.interpolate(scale_factor=2, mode='nearest' / 'bilinear', align_corners=…). Bilinear reads
// each output pixel from two rows × two columns with weights from a per-axis table; backward
// scatters the output gradient back with the same weights. Threaded over planes.
import Kernels

/// Bilinear source indices and weights along one axis: output i reads
/// `w0[i] · in[i0[i]] + w1[i] · in[i1[i]]`.
private struct LinearTaps {
  var i0: [Int] = []
  var i1: [Int] = []
  var w0: [Float] = []
  var w1: [Float] = []

  /// PyTorch's `area_pixel_compute_source_index` for scale factor 2: with align_corners the
  /// corners map onto each other (src = d · (n − 1)/(2n − 1)); without, pixel centres do
  /// (src = (d + ½)/2 − ½, clamped at 0).
  init(size n: Int, alignCorners: Bool) {
    let out = 2 * n
    let scale: Float = alignCorners ? (out > 1 ? Float(n - 1) / Float(out - 1) : 0) : 0.5
    for d in 0..<out {
      let src = alignCorners ? scale * Float(d) : max(0, scale * (Float(d) + 0.5) - 0.5)
      let lo = min(Int(src), n - 1)
      let lambda = min(src - Float(lo), 1)
      i0.append(lo)
      i1.append(lo < n - 1 ? lo + 1 : lo)
      w1.append(lambda)
      w0.append(1 - lambda)
    }
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
    forEachItem(planes, workPerItem: oh * ow) { p in
      let src = data + p * h * w
      let dst = out.data + p * oh * ow
      for oy in 0..<oh {
        let r0 = src + ty.i0[oy] * w
        let r1 = src + ty.i1[oy] * w
        let (a, b) = (ty.w0[oy], ty.w1[oy])
        let d = dst + oy * ow
        for ox in 0..<ow {
          let (x0, x1, c, e) = (tx.i0[ox], tx.i1[ox], tx.w0[ox], tx.w1[ox])
          d[ox] = a * (c * r0[x0] + e * r0[x1]) + b * (c * r1[x0] + e * r1[x1])
        }
      }
    }
    return out.recorded("upsampleBilinear2x", [self]) { [self] g in
      let target = gradBuffer()
      forEachItem(planes, workPerItem: oh * ow) { p in
        let gp = g.data + p * oh * ow
        let tp = target.data + p * h * w
        for oy in 0..<oh {
          let r0 = tp + ty.i0[oy] * w
          let r1 = tp + ty.i1[oy] * w
          let (a, b) = (ty.w0[oy], ty.w1[oy])
          let gr = gp + oy * ow
          for ox in 0..<ow {
            let (x0, x1, c, e) = (tx.i0[ox], tx.i1[ox], tx.w0[ox], tx.w1[ox])
            let v = gr[ox]
            r0[x0] += a * c * v
            r0[x1] += a * e * v
            r1[x0] += b * c * v
            r1[x1] += b * e * v
          }
        }
      }
    }
  }
}
