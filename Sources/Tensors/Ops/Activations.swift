// Activations: relu, leaky relu, SiLU, sigmoid and tanh — one vectorised, threaded pass forward
// (vsigmoid/vtanh from Kernels) and one backward each, through `unary`. PyTorch semantics.
import Kernels

extension Tensor {
  /// max(x, 0) elementwise; any shape. Gradient 1 where x > 0, else 0.
  public func relu() -> Tensor {
    unary("relu", { $0.replacing(with: 0, where: $0 .< 0) }, backward: { g, x, _ in
      Vec(repeating: 0).replacing(with: g, where: x .> 0)
    })
  }

  /// x where x > 0, slope·x elsewhere; any shape. PyTorch's `leaky_relu` (default slope 0.01).
  public func leakyRelu(slope: Float = 0.01) -> Tensor {
    unary("leaky_relu", { $0.replacing(with: $0 * slope, where: $0 .<= 0) }, backward: { g, x, _ in
      (g * slope).replacing(with: g, where: x .> 0)
    })
  }

  /// SiLU (swish) x·σ(x) elementwise; any shape. d/dx = σ(x)·(1 + x·(1 − σ(x))).
  public func silu() -> Tensor {
    unary("silu", { $0 * vsigmoid($0) }, backward: { g, x, _ in
      let s = vsigmoid(x)
      return g * s * (1 + x * (1 - s))
    })
  }

  /// σ(x) = 1 / (1 + e⁻ˣ) elementwise; any shape. d/dx = y·(1 − y).
  public func sigmoid() -> Tensor {
    unary("sigmoid", { vsigmoid($0) }, backward: { g, _, y in g * y * (1 - y) })
  }

  /// tanh(x) elementwise; any shape. d/dx = 1 − y².
  public func tanh() -> Tensor {
    unary("tanh", { vtanh($0) }, backward: { g, _, y in g * (1 - y * y) })
  }
}
