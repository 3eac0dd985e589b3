// Flip: reverses one spatial axis of `[N, C, H, W]` tensors (torch.flip(x, dims=[axis])), the
// building block of EquiReg's image groups (a horizontal flip; rot180 is both flips; rot90 a flip
// after a transpose). Backward flips the gradient back (a flip is its own inverse).
import Kernels

extension Tensor {
  /// `[N, C, H, W]` with axis 2 (height) or 3 (width) reversed.
  public func flipped(axis: Int) throws -> Tensor {
    guard rank == 4, axis == 2 || axis == 3 else {
      throw TensorError.invalidArgument(op: "flip", reason: "flips axis 2 or 3 of an [N, C, H, W] tensor, got axis \(axis) of shape \(shape)")
    }
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    func flip(_ source: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<Float>, add: Bool) {
      for p in 0..<planes {
        let s = source + p * h * w, t = target + p * h * w
        for y in 0..<h {
          for x in 0..<w {
            let from = axis == 3 ? y * w + (w - 1 - x) : (h - 1 - y) * w + x
            if add { t[y * w + x] += s[from] } else { t[y * w + x] = s[from] }
          }
        }
      }
    }
    let out = Tensor(uninitialized: shape)
    flip(data, into: out.data, add: false)
    return out.recorded("flip", [self]) { [self] g in flip(g.data, into: gradBuffer().data, add: true) }
  }
}
