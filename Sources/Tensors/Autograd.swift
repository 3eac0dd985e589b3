// Autograd: the dynamic tape. Each op run under autograd links its output to a GradNode that
// holds the inputs and a closure accumulating (+=) the inputs' gradients from the output's.
// `backward()` orders the graph reached from a scalar (inputs before outputs), walks it in
// reverse, and frees each node once used (the graph is consumed, as PyTorch's default).

import Kernels

/// One recorded op: its inputs and how to push the output's gradient into theirs.
final class GradNode {
  let op: String
  let inputs: [Tensor]
  /// Adds ∂L/∂input to `input.gradBuffer()` for each input that requires grad, given ∂L/∂output.
  let backward: (Tensor) -> Void

  init(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> Void) {
    self.op = op
    self.inputs = inputs
    self.backward = backward
  }
}

/// Global autograd switch (for the training thread; loaders do not build graphs).
public enum Autograd {
  nonisolated(unsafe) static var enabled = true

  /// Whether ops currently record history.
  public static var isEnabled: Bool { enabled }

  /// Runs `body` with recording off (validation, EMA, inference): no graph, no saved tensors.
  public static func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    let was = enabled
    enabled = false
    defer { enabled = was }
    return try body()
  }

  /// True when an op on these inputs must record a node.
  @inline(__always)
  static func needsGrad(_ inputs: Tensor...) -> Bool {
    enabled && inputs.contains { $0.requiresGrad }
  }

  @inline(__always)
  static func needsGrad(_ inputs: [Tensor]) -> Bool {
    enabled && inputs.contains { $0.requiresGrad }
  }
}

extension Tensor {
  /// Links `self` (an op's output) to its inputs when autograd is on and any input needs a
  /// gradient. Returns `self` for chaining.
  @discardableResult
  func recorded(_ op: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> Void) -> Tensor {
    if Autograd.needsGrad(inputs) {
      requiresGrad = true
      node = GradNode(op: op, inputs: inputs, backward: backward)
    }
    return self
  }

  /// Back-propagates from this scalar: every leaf that requires grad reachable from it gets
  /// ∂self/∂leaf added to its `grad` (gradients accumulate across calls until zeroed).
  public func backward(leafDone: ((Tensor) -> Void)? = nil) throws {
    guard count == 1 else {
      throw TensorError.backward(reason: "needs a one-element tensor, got shape \(shape); reduce it first (sum or mean)")
    }
    try backward(gradient: Tensor(shape: shape, repeating: 1), leafDone: leafDone)
  }

  /// Back-propagates a given output gradient ∂L/∂self (same shape as self), as PyTorch's
  /// `tensor.backward(gradient)`. `leafDone` is called for each leaf (a tensor no op made, e.g.
  /// a parameter) as soon as its gradient is final, while backward continues with the rest —
  /// what lets gradient all-reduce overlap the remaining backward.
  public func backward(gradient: Tensor, leafDone: ((Tensor) -> Void)? = nil) throws {
    guard gradient.shape == shape else {
      throw TensorError.shapeMismatch(op: "backward", shapes: [shape, gradient.shape], reason: "differ (output and its gradient)")
    }
    guard requiresGrad else {
      throw TensorError.backward(reason: "tensor does not require grad (no parameter reaches it, or it was made without gradients)")
    }
    // Post-order DFS: each tensor appears after all tensors it was computed from.
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Tensor, Bool)] = [(self, false)]
    while let (t, expanded) = stack.popLast() {
      if expanded {
        order.append(t)
        continue
      }
      guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
      stack.append((t, true))
      if let node = t.node {
        for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
          stack.append((input, false))
        }
      }
    }
    accumulate(gradient.data, into: gradBuffer().data, count)
    // A leaf's gradient is final once every op that consumed it has run its backward: count
    // the consuming nodes per leaf, report the leaf when its count reaches zero.
    var pending: [ObjectIdentifier: Int] = [:]
    if leafDone != nil {
      for t in order {
        for input in t.node?.inputs ?? [] where input.requiresGrad && input.node == nil {
          pending[ObjectIdentifier(input), default: 0] += 1
        }
      }
    }
    for t in order.reversed() {
      guard let node = t.node else { continue }
      if let g = t.grad { node.backward(g) }
      t.node = nil
      t.grad = nil  // an intermediate's gradient is consumed; leaves (no node) keep theirs
      if let leafDone {
        for input in node.inputs where input.requiresGrad && input.node == nil {
          let id = ObjectIdentifier(input)
          pending[id]! -= 1
          if pending[id] == 0 { leafDone(input) }
        }
      }
    }
  }
}
