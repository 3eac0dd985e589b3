// Pad: spatial padding of [N, C, H, W] with zeros, reflection or edge replication (PyTorch
// F.pad modes "constant" 0, "reflect", "replicate"). Each output pixel reads one source pixel
// (or zero), given by `PaddingMode.sourceIndex` per row and per column; backward adds each
// output gradient into that source pixel.
import Kernels

extension Tensor {
  /// `[N, C, H, W]` → `[N, C, top + H + bottom, left + W + right]`, as
  /// `F.pad(x, (left, right, top, bottom), mode)`. Reflect needs each padding < its side.
  public func padded(top: Int, bottom: Int, left: Int, right: Int, mode: PaddingMode) throws -> Tensor {
    guard rank == 4 else {
      throw TensorError.invalidArgument(op: "pad", reason: "needs [N, C, H, W], got shape \(shape)")
    }
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    guard min(top, bottom, left, right) >= 0 else {
      throw TensorError.invalidArgument(
        op: "pad", reason: "padding (top \(top), bottom \(bottom), left \(left), right \(right)) must be ≥ 0")
    }
    if mode == .reflect {
      guard max(top, bottom) < h && max(left, right) < w else {
        throw TensorError.invalidArgument(
          op: "pad", reason: "reflect padding (top \(top), bottom \(bottom), left \(left), right \(right)) must be smaller than H × W = \(h) × \(w) of shape \(shape)")
      }
    }
    if mode == .replicate && (h == 0 || w == 0) && top + bottom + left + right > 0 {
      throw TensorError.invalidArgument(op: "pad", reason: "replicate padding of an empty image, shape \(shape)")
    }
    let (oh, ow) = (h + top + bottom, w + left + right)
    // Source row / column per output row / column, -1 for zero.
    let rows = (0..<oh).map { mode.sourceIndex($0 - top, size: h) ?? -1 }
    let cols = (0..<ow).map { mode.sourceIndex($0 - left, size: w) ?? -1 }
    let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow])
    forEachItem(planes, workPerItem: oh * ow) { p in
      let src = data + p * h * w
      let dst = out.data + p * oh * ow
      for y in 0..<oh {
        let d = dst + y * ow
        let sy = rows[y]
        if sy < 0 {
          d.update(repeating: 0, count: ow)
          continue
        }
        let s = src + sy * w
        for x in 0..<left { d[x] = cols[x] < 0 ? 0 : s[cols[x]] }
        (d + left).update(from: s, count: w)
        for x in (left + w)..<ow { d[x] = cols[x] < 0 ? 0 : s[cols[x]] }
      }
    }
    return out.recorded("pad", [self]) { [self] g in
      let target = gradBuffer()
      forEachItem(planes, workPerItem: oh * ow) { p in
        let gp = g.data + p * oh * ow
        let tp = target.data + p * h * w
        for y in 0..<oh where rows[y] >= 0 {
          let gr = gp + y * ow
          let t = tp + rows[y] * w
          for x in 0..<left where cols[x] >= 0 { t[cols[x]] += gr[x] }
          for x in 0..<w { t[x] += gr[left + x] }
          for x in (left + w)..<ow where cols[x] >= 0 { t[cols[x]] += gr[x] }
        }
      }
    }
  }
}
