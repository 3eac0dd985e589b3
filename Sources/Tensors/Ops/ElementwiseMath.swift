// ElementwiseMath: exp, log, sqrt, square, abs, pow and clamp. Each is one vectorised, threaded
// pass forward and one backward (through `unary`), with the derivative written out by hand.
// Semantics follow PyTorch, including the values at the edges of each domain.
import Kernels

extension Tensor {
  /// eˣ elementwise; any shape. Saturates instead of overflowing (|x| ≲ 88).
  public func exp() -> Tensor {
    unary("exp", { vexp($0) }, backward: { g, _, y in g * y })
  }

  /// Natural logarithm elementwise; any shape. −∞ at 0 and NaN below 0, as PyTorch.
  public func log() -> Tensor {
    unary("log", { vlog($0) }, backward: { g, x, _ in g / x })
  }

  /// √x elementwise; any shape. NaN below 0; the gradient at 0 is +∞, as PyTorch.
  public func sqrt() -> Tensor {
    unary("sqrt", { $0.squareRoot() }, backward: { g, _, y in g * 0.5 / y })
  }

  /// x² elementwise; any shape.
  public func square() -> Tensor {
    unary("square", { $0 * $0 }, backward: { g, x, _ in 2 * g * x })
  }

  /// |x| elementwise; any shape. The gradient is sign(x), 0 at x = 0, as PyTorch.
  public func abs() -> Tensor {
    unary("abs", { $0.replacing(with: -$0, where: $0 .< 0) }, backward: { g, x, _ in
      Vec(repeating: 0).replacing(with: g, where: x .> 0).replacing(with: -g, where: x .< 0)
    })
  }

  /// xᵖ elementwise for a constant exponent; any shape. As PyTorch's `pow(x, p)`: negative x
  /// gives a real result only for integer p (NaN otherwise), 0ᵖ is 0 for p > 0 and +∞ for
  /// p < 0, and x⁰ = 1 everywhere (gradient 0).
  public func pow(_ p: Float) -> Tensor {
    unary("pow", { powVec($0, p) }, backward: { g, x, _ in g * p * powVec(x, p - 1) })
  }

  /// min(max(x, min), max) elementwise; any shape. The gradient passes where
  /// min ≤ x ≤ max and is 0 outside, as PyTorch's `clamp`.
  public func clamp(min lo: Float, max hi: Float) -> Tensor {
    unary(
      "clamp", { $0.replacing(with: lo, where: $0 .< lo).replacing(with: hi, where: $0 .> hi) },
      backward: { g, x, _ in Vec(repeating: 0).replacing(with: g, where: (x .>= lo) .& (x .<= hi)) })
  }
}

/// xᵖ lane-wise as e^(p·ln|x|), with the sign and special cases of `Tensor.pow`.
@inline(__always)
private func powVec(_ x: Vec, _ p: Float) -> Vec {
  if p == 0 { return Vec(repeating: 1) }
  let magnitude = x.replacing(with: -x, where: x .< 0)
  var y = vexp(p * vlog(magnitude))
  if p.rounded() == p {
    // Integer exponent: odd powers keep the sign of x (|p| < 2²⁴ here, so the cast is exact).
    if abs(p) < 16_777_216, Int(p) % 2 != 0 { y = y.replacing(with: -y, where: x .< 0) }
  } else {
    y = y.replacing(with: .nan, where: x .< 0)
  }
  return y.replacing(with: p > 0 ? 0 : .infinity, where: x .== 0)
}
