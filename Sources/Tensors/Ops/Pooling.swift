// Pooling: 2-D average and max pooling of [N, C, H, W] without padding, output size floored as
// PyTorch (windows that would cross the far border are dropped). Threaded over planes; max
// pooling keeps the argmax of each window (first on ties) and routes the gradient there.
import Kernels

extension Tensor {
  /// Checks a pooling call and returns (planes N·C, H, W, output H, output W).
  private func poolGeometry(_ op: String, kernel: Int, stride: Int) throws -> (Int, Int, Int, Int, Int) {
    guard rank == 4 else {
      throw TensorError.invalidArgument(op: op, reason: "needs [N, C, H, W], got shape \(shape)")
    }
    guard kernel >= 1, stride >= 1 else {
      throw TensorError.invalidArgument(op: op, reason: "kernel \(kernel) and stride \(stride) must be ≥ 1")
    }
    let (h, w) = (shape[2], shape[3])
    guard h >= kernel, w >= kernel else {
      throw TensorError.invalidArgument(op: op, reason: "kernel \(kernel) larger than H × W = \(h) × \(w) of shape \(shape)")
    }
    return (shape[0] * shape[1], h, w, (h - kernel) / stride + 1, (w - kernel) / stride + 1)
  }

  /// Mean over each `kernel × kernel` window, windows `stride` apart:
  /// `[N, C, H, W]` → `[N, C, ⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1]`, as `F.avg_pool2d(x, k, s)`.
  public func avgPool2d(kernel: Int, stride: Int) throws -> Tensor {
    let (planes, h, w, oh, ow) = try poolGeometry("avgPool2d", kernel: kernel, stride: stride)
    let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow])
    let norm = 1 / Float(kernel * kernel)
    forEachItem(planes, workPerItem: h * w) { p in
      let src = data + p * h * w
      let dst = out.data + p * oh * ow
      withPoolConstants(kernel, stride) { k, s in
        for oy in 0..<oh {
          for ox in 0..<ow {
            var sum: Float = 0
            let corner = src + oy * s * w + ox * s
            for ky in 0..<k {
              for kx in 0..<k { sum += corner[ky * w + kx] }
            }
            dst[oy * ow + ox] = sum * norm
          }
        }
      }
    }
    return out.recorded("avgPool2d", [self]) { [self] g in
      let target = gradBuffer()
      forEachItem(planes, workPerItem: h * w) { p in
        let gp = g.data + p * oh * ow
        let tp = target.data + p * h * w
        withPoolConstants(kernel, stride) { k, s in
          for oy in 0..<oh {
            for ox in 0..<ow {
              let v = gp[oy * ow + ox] * norm
              let corner = tp + oy * s * w + ox * s
              for ky in 0..<k {
                for kx in 0..<k { corner[ky * w + kx] += v }
              }
            }
          }
        }
      }
    }
  }

  /// Maximum over each `kernel × kernel` window, windows `stride` apart (shapes as
  /// `avgPool2d`), as `F.max_pool2d(x, k, s)`. The gradient goes to the window's maximum (the
  /// first in row-major order on ties; a NaN in the window wins, as in PyTorch).
  public func maxPool2d(kernel: Int, stride: Int) throws -> Tensor {
    let (planes, h, w, oh, ow) = try poolGeometry("maxPool2d", kernel: kernel, stride: stride)
    let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow])
    // Offset of each output's maximum inside its input plane.
    let argmax = PoolingIndices(count: out.count)
    forEachItem(planes, workPerItem: h * w) { p in
      let src = data + p * h * w
      let dst = out.data + p * oh * ow
      let arg = argmax.pointer + p * oh * ow
      withPoolConstants(kernel, stride) { k, s in
        for oy in 0..<oh {
          for ox in 0..<ow {
            let start = oy * s * w + ox * s
            var best = src[start]
            var at = start
            for ky in 0..<k {
              for kx in 0..<k {
                let i = start + ky * w + kx
                let v = src[i]
                if v > best || v.isNaN {  // PyTorch's rule: NaN propagates
                  best = v
                  at = i
                }
              }
            }
            dst[oy * ow + ox] = best
            arg[oy * ow + ox] = Int32(at)
          }
        }
      }
    }
    return out.recorded("maxPool2d", [self]) { [self] g in
      let target = gradBuffer()
      forEachItem(planes, workPerItem: oh * ow) { p in
        let gp = g.data + p * oh * ow
        let tp = target.data + p * h * w
        let ap = argmax.pointer + p * oh * ow
        for o in 0..<(oh * ow) { tp[Int(ap[o])] += gp[o] }
      }
    }
  }
}

/// Calls `body(kernel, stride)`, with literal constants for the common 2 × 2 / stride 2 case
/// so that the inlined window loops are unrolled there.
@inline(__always)
private func withPoolConstants(_ kernel: Int, _ stride: Int, _ body: (Int, Int) -> Void) {
  if kernel == 2 && stride == 2 { body(2, 2) } else { body(kernel, stride) }
}

/// Max pooling's argmax buffer, alive as long as the backward closure holds it.
private final class PoolingIndices {
  let pointer: UnsafeMutablePointer<Int32>
  init(count: Int) { pointer = .allocate(capacity: max(count, 1)) }
  deinit { pointer.deallocate() }
}
