// GradientClipping: global-norm clipping over a network's flat gradient buffer, as
// torch.nn.utils.clip_grad_norm_ (norm 2, coefficient max_norm / (total + 1e-6), applied only
// when below 1).
import Kernels
import Tensors

extension ParameterStore {
  /// ‖g‖₂ over all gradients (accumulated in Double).
  public func gradientNorm() -> Float {
    Float(simdSum(flatCount, gradients.pointer) { $0 * $0 }.squareRoot())
  }

  /// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm
  /// before clipping (PyTorch's return value). A non-finite norm is returned unchanged and the
  /// gradients are left alone, so the caller can skip the step.
  @discardableResult
  public func clipGradientNorm(maxNorm: Float) -> Float {
    let total = gradientNorm()
    guard total.isFinite else { return total }
    let coefficient = maxNorm / (total + 1e-6)
    if coefficient < 1 { scale(gradients.pointer, flatCount, by: coefficient) }
    return total
  }
}
