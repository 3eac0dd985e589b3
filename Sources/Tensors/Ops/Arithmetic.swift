// Arithmetic: + − × ÷ between tensors (with broadcasting), with scalars, and negation.
// Backward of a broadcast operand sums the output gradient over the axes it was repeated on.
import Kernels

extension Tensor {
  /// Elementwise `f(a, b)` with broadcasting; `grads` returns, for the gradient of the output,
  /// the per-element gradient w.r.t. a and b (before reduction to their shapes).
  private static func binary(
    _ op: String, _ a: Tensor, _ b: Tensor, _ f: @escaping (Vec, Vec) -> Vec,
    gradA: @escaping (Vec, Vec, Vec) -> Vec, gradB: @escaping (Vec, Vec, Vec) -> Vec
  ) throws -> Tensor {
    let plan = try BroadcastPlan(op: op, a.shape, b.shape)
    let out = Tensor(uninitialized: plan.outShape)
    broadcastZip(plan, a.data, b.data, out.data, f)
    return out.recorded(op, [a, b]) { g in
      // Per-element partials over the output's shape, then summed into each operand.
      let full = plan.outShape
      let aFull = a.shape == full ? a : a.expanded(plan: plan, strides: plan.stridesA)
      let bFull = b.shape == full ? b : b.expanded(plan: plan, strides: plan.stridesB)
      for (input, partial, strides) in [(a, gradA, plan.stridesA), (b, gradB, plan.stridesB)]
      where input.requiresGrad {
        let target = input.gradBuffer()
        if input.shape == full {
          simdZip4(g.count, g.data, aFull.data, bFull.data, target.data, target.data) { g, x, y, acc in
            acc + partial(g, x, y)
          }
        } else {
          let tmp = Tensor(uninitialized: full)
          simdZip3(g.count, g.data, aFull.data, bFull.data, tmp.data, partial)
          reduceBroadcastGradient(plan, strides: strides, grad: tmp.data, into: target.data)
        }
      }
    }
  }

  /// `self` repeated to the plan's output shape (a copy; only used in backward).
  private func expanded(plan: BroadcastPlan, strides: [Int]) -> Tensor {
    let out = Tensor(uninitialized: plan.outShape)
    let expand = BroadcastPlan(
      outShape: plan.outShape, dims: plan.dims, stridesA: strides,
      stridesB: Array(repeating: 0, count: strides.count))
    broadcastZip(expand, data, data, out.data) { x, _ in x }
    return out
  }

  public static func + (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("add", a, b, { $0 + $1 }, gradA: { g, _, _ in g }, gradB: { g, _, _ in g })
  }

  public static func - (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("sub", a, b, { $0 - $1 }, gradA: { g, _, _ in g }, gradB: { g, _, _ in -g })
  }

  public static func * (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("mul", a, b, { $0 * $1 }, gradA: { g, _, y in g * y }, gradB: { g, x, _ in g * x })
  }

  public static func / (a: Tensor, b: Tensor) throws -> Tensor {
    try binary(
      "div", a, b, { $0 / $1 }, gradA: { g, _, y in g / y }, gradB: { g, x, y in -g * x / (y * y) })
  }

  /// Elementwise `f(x)` with derivative `df(g, x, y)` (g = output gradient, y = f(x)).
  func unary(
    _ op: String, _ f: (Vec) -> Vec, backward df: @escaping (Vec, Vec, Vec) -> Vec
  ) -> Tensor {
    let out = Tensor(uninitialized: shape)
    simdMap(count, data, out.data, f)
    // The closure keeps a detached view of the output: capturing `out` itself would make
    // out → node → closure → out a retain cycle whenever backward never runs.
    return out.recorded(op, [self]) { [self, y = out.detached()] g in
      let target = gradBuffer()
      simdZip4(count, g.data, data, y.data, target.data, target.data) { g, x, y, acc in acc + df(g, x, y) }
    }
  }

  public static prefix func - (a: Tensor) -> Tensor {
    a.unary("neg", { -$0 }, backward: { g, _, _ in -g })
  }

  public static func + (a: Tensor, s: Float) -> Tensor {
    a.unary("add_scalar", { $0 + s }, backward: { g, _, _ in g })
  }

  public static func + (s: Float, a: Tensor) -> Tensor { a + s }

  public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

  public static func - (s: Float, a: Tensor) -> Tensor {
    a.unary("rsub_scalar", { s - $0 }, backward: { g, _, _ in -g })
  }

  public static func * (a: Tensor, s: Float) -> Tensor {
    a.unary("mul_scalar", { $0 * s }, backward: { g, _, _ in g * s })
  }

  public static func * (s: Float, a: Tensor) -> Tensor { a * s }

  public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

  public static func / (s: Float, a: Tensor) -> Tensor {
    a.unary("rdiv_scalar", { s / $0 }, backward: { g, x, _ in -g * s / (x * x) })
  }
}
