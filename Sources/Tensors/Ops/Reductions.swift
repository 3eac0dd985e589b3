// Reductions: sum and mean over the whole tensor or over any set of axes, with backward.
// Accuracy: partial sums run in float32 SIMD lanes over at most ~128 terms and are then
// folded into Double, so a 10⁷-element mean keeps float32 accuracy. Large inputs are threaded.
// Backward is a broadcast of the output gradient back over the reduced axes.
import Kernels

extension Tensor {
  /// Σ of all elements → shape `[]` (count 1, what `backward()` starts from).
  public func sum() -> Tensor {
    reducedWhole("sum", divisor: 1)
  }

  /// Mean of all elements → shape `[]`; NaN for an empty tensor, as PyTorch.
  public func mean() -> Tensor {
    reducedWhole("mean", divisor: Double(count))
  }

  /// Σ over `axes` (any set, negative axes count from the end), as PyTorch's
  /// `sum(dim=axes, keepdim=keepDims)`: `[N, C, H, W]`.sum(axes: [0, 2, 3]) → `[C]`, or
  /// `[1, C, 1, 1]` with `keepDims`. Throws for an empty list, an axis out of range or a
  /// repeated axis.
  public func sum(axes: [Int], keepDims: Bool = false) throws -> Tensor {
    try reducedAxes("sum", axes, keepDims: keepDims, mean: false)
  }

  /// Mean over `axes`, as `sum(axes:keepDims:)` divided by the number of reduced elements
  /// (PyTorch's `mean(dim=axes, keepdim=keepDims)`).
  public func mean(axes: [Int], keepDims: Bool = false) throws -> Tensor {
    try reducedAxes("mean", axes, keepDims: keepDims, mean: true)
  }

  /// `axes` as sorted, non-negative, distinct indices into `shape`.
  func normalizedAxes(_ op: String, _ axes: [Int]) throws -> [Int] {
    guard !axes.isEmpty else {
      throw TensorError.invalidArgument(op: op, reason: "axes is empty; call \(op)() to reduce the whole tensor")
    }
    var seen = Set<Int>()
    for axis in axes {
      guard axis >= -rank && axis < rank else {
        throw TensorError.invalidArgument(
          op: op, reason: "axis \(axis) is out of range for shape \(shape) (use -\(rank)..<\(rank))")
      }
      guard seen.insert(axis < 0 ? axis + rank : axis).inserted else {
        throw TensorError.invalidArgument(op: op, reason: "axis \(axis) appears twice in \(axes)")
      }
    }
    return seen.sorted()
  }

  private func reducedWhole(_ op: String, divisor: Double) -> Tensor {
    let out = Tensor(uninitialized: [])
    out.data[0] = Float(simdSum(count, data) / divisor)
    return out.recorded(op, [self]) { [self] g in
      let target = gradBuffer()
      let v = Float(Double(g.data[0]) / divisor)
      simdMap(count, target.data, target.data) { $0 + v }
    }
  }

  private func reducedAxes(_ op: String, _ axes: [Int], keepDims: Bool, mean: Bool) throws -> Tensor {
    let reduced = try normalizedAxes(op, axes)
    let keptShape = shape.indices.map { reduced.contains($0) ? 1 : shape[$0] }
    let outShape = keepDims ? keptShape : shape.indices.filter { !reduced.contains($0) }.map { shape[$0] }
    let n = reduced.reduce(1) { $0 * shape[$1] }
    let scale = mean ? 1 / Double(n) : 1
    // Operand B of this plan has the kept shape: its zero strides mark the reduced axes.
    let plan = try BroadcastPlan(op: op, shape, keptShape)
    let out = Tensor(uninitialized: outShape)
    if count == 0 {
      out.data.update(repeating: mean ? .nan : 0, count: out.count)
    } else {
      sumOverRepeatedAxes(plan, data, into: out.data, scale: scale)
    }
    return out.recorded(op, [self]) { [self] g in
      let target = gradBuffer()
      let s = Float(scale)
      broadcastZip(plan, target.data, g.data, target.data) { acc, g in acc + g * s }
    }
  }
}

/// out = scale · Σ x over the axes where `plan.stridesB` is 0. x has the plan's output shape
/// (contiguous, strides `plan.stridesA`); out has operand B's shape (strides `plan.stridesB`).
/// Needs a non-empty x.
private func sumOverRepeatedAxes(
  _ plan: BroadcastPlan, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, scale: Double
) {
  let last = plan.dims.count - 1
  let inner = plan.dims[last]
  let total = plan.dims.reduce(1, *)
  // Input and output offsets of every combination of the outer kept axes (row-major), and
  // input offsets of every combination of the outer reduced axes.
  var keptIn = [0], keptOut = [0], reducedIn = [0]
  for axis in 0..<last {
    let size = plan.dims[axis], sIn = plan.stridesA[axis], sOut = plan.stridesB[axis]
    if sOut == 0 {
      reducedIn = reducedIn.flatMap { base in (0..<size).map { base + $0 * sIn } }
    } else {
      keptIn = keptIn.flatMap { base in (0..<size).map { base + $0 * sIn } }
      keptOut = keptOut.flatMap { base in (0..<size).map { base + $0 * sOut } }
    }
  }
  let parallel = total >= 32_768

  if plan.stridesB[last] == 0 {
    // Innermost axis reduced: each output sums contiguous runs of `inner` elements.
    func output(_ k: Int) {
      var s = 0.0
      for r in reducedIn {
        let run = x + keptIn[k] + r
        if inner >= 32 {
          s += simdSum(inner, run)
        } else {
          for j in 0..<inner { s += Double(run[j]) }
        }
      }
      out[keptOut[k]] = Float(s * scale)
    }
    if parallel && keptIn.count > 1 {
      Threading.forEach(keptIn.count, output)
    } else {
      for k in 0..<keptIn.count { output(k) }
    }
    return
  }

  // Innermost axis kept: each output row of `inner` elements adds input rows column-wise,
  // in blocks of up to 1024 columns, 128 rows at a time in float32, folded into Double.
  let block = 1024
  let columnBlocks = (inner + block - 1) / block
  func task(_ t: Int) {
    let k = t / columnBlocks
    let c0 = (t % columnBlocks) * block
    let width = min(block, inner - c0)
    let partial = UnsafeMutablePointer<Float>.allocate(capacity: width)
    let sum = UnsafeMutablePointer<Double>.allocate(capacity: width)
    defer {
      partial.deallocate()
      sum.deallocate()
    }
    partial.initialize(repeating: 0, count: width)
    sum.initialize(repeating: 0, count: width)
    for (i, r) in reducedIn.enumerated() {
      accumulate(x + keptIn[k] + r + c0, into: partial, width)
      if i % 128 == 127 || i == reducedIn.count - 1 {
        for j in 0..<width {
          sum[j] += Double(partial[j])
          partial[j] = 0
        }
      }
    }
    let row = out + keptOut[k] + c0
    for j in 0..<width { row[j] = Float(sum[j] * scale) }
  }
  let tasks = keptIn.count * columnBlocks
  if parallel && tasks > 1 {
    Threading.forEach(tasks, task)
  } else {
    for t in 0..<tasks { task(t) }
  }
}
