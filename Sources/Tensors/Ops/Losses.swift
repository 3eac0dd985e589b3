// Losses: mean-reduced training losses as PyTorch computes them (reduction "mean"). Each is fused:
// one pass over prediction and target forward (summed in Double), one pass per input that needs
// a gradient backward; no temporaries. Prediction and target must have equal shapes.
import Kernels

/// mean((pred − target)²) over all elements → shape `[]`, as PyTorch's `mse_loss`. pred and
/// target: the same shape (no broadcasting).
public func mseLoss(_ pred: Tensor, _ target: Tensor) throws -> Tensor {
  try meanPairLoss(
    "mseLoss", pred, target, { p, t in (p - t) * (p - t) },
    gradA: { p, t in 2 * (p - t) }, gradB: { p, t in 2 * (t - p) })
}

/// mean(|pred − target|) → shape `[]`, as PyTorch's `l1_loss` (gradient sign(pred − target),
/// 0 where equal). Same shapes required.
public func l1Loss(_ pred: Tensor, _ target: Tensor) throws -> Tensor {
  try meanPairLoss(
    "l1Loss", pred, target, { p, t in let d = p - t; return d.replacing(with: -d, where: d .< 0) },
    gradA: { p, t in signVec(p - t) }, gradB: { p, t in signVec(t - p) })
}

/// Charbonnier loss mean(√((pred − target)² + eps²)) → shape `[]`, the restoration loss of
/// Denoising as Adaptation (its `CharbonnierLoss(eps=1e-3)`). Same shapes required.
public func charbonnierLoss(_ pred: Tensor, _ target: Tensor, eps: Float = 1e-3) throws -> Tensor {
  let e2 = eps * eps
  return try meanPairLoss(
    "charbonnierLoss", pred, target, { p, t in ((p - t) * (p - t) + e2).squareRoot() },
    gradA: { p, t in (p - t) / ((p - t) * (p - t) + e2).squareRoot() },
    gradB: { p, t in (t - p) / ((p - t) * (p - t) + e2).squareRoot() })
}

/// Binary cross-entropy on logits x with targets t in [0, 1] → shape `[]`, as PyTorch's
/// `binary_cross_entropy_with_logits`: mean(max(x, 0) − x·t + log(1 + e^−|x|)), stable for any
/// x. Gradients σ(x) − t and −x. Same shapes required.
public func bceWithLogitsLoss(_ logits: Tensor, _ targets: Tensor) throws -> Tensor {
  try meanPairLoss(
    "bceWithLogitsLoss", logits, targets,
    { x, t in x.replacing(with: 0, where: x .< 0) - x * t + vlog1p(vexp(x.replacing(with: -x, where: x .> 0))) },
    gradA: { x, t in vsigmoid(x) - t }, gradB: { x, _ in -x })
}

/// Cross-entropy of logits `[N, C]` against class indices (N of them, each in 0..<C) → shape
/// `[]`: mean over rows of logsumexp(row) − row[target], as PyTorch's `cross_entropy`. Gradient
/// (softmax(row) − onehot(target)) / N.
public func crossEntropyLoss(logits: Tensor, targets: [Int]) throws -> Tensor {
  let op = "crossEntropyLoss"
  guard logits.rank == 2 else {
    throw TensorError.invalidArgument(op: op, reason: "logits must be [N, C], got shape \(logits.shape)")
  }
  let (n, c) = (logits.shape[0], logits.shape[1])
  guard targets.count == n else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [logits.shape, [targets.count]], reason: "differ: need one target per row of logits")
  }
  if let i = targets.firstIndex(where: { !(0..<c).contains($0) }) {
    throw TensorError.invalidArgument(
      op: op, reason: "target \(targets[i]) at index \(i) is not a class index in 0..<\(c)")
  }
  let x = logits.data
  // Per row: max and log Σ exp(x − max), kept for the backward pass.
  let rowMax = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
  let rowLogSum = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
  let parallel = n > 1 && n * c >= 32_768
  func forward(_ i: Int) { (rowMax[i], rowLogSum[i]) = logSumExp(x + i * c, c) }
  if parallel { Threading.forEach(n, forward) } else { for i in 0..<n { forward(i) } }
  var total = 0.0
  for i in 0..<n { total += Double(rowMax[i] - x[i * c + targets[i]]) + Double(rowLogSum[i]) }
  let out = Tensor(uninitialized: [])
  out.data[0] = Float(total / Double(n))
  let saved = RowStatistics(max: rowMax, logSum: rowLogSum)
  return out.recorded(op, [logits]) { g in
    let s = g.data[0] / Float(n)
    let dx = logits.gradBuffer().data
    func backward(_ i: Int) {
      let (m, ls) = (saved.max[i], saved.logSum[i])
      simdZip(c, x + i * c, dx + i * c, dx + i * c) { x, acc in acc + s * vexp((x - m) - ls) }
      dx[i * c + targets[i]] -= s
    }
    if parallel { Threading.forEach(n, backward) } else { for i in 0..<n { backward(i) } }
  }
}

/// Per-row statistics that cross-entropy's backward reuses; freed with the graph node.
private final class RowStatistics {
  let max: UnsafeMutablePointer<Float>, logSum: UnsafeMutablePointer<Float>
  init(max: UnsafeMutablePointer<Float>, logSum: UnsafeMutablePointer<Float>) {
    self.max = max
    self.logSum = logSum
  }
  deinit {
    max.deallocate()
    logSum.deallocate()
  }
}

/// 1, −1 or 0 per lane.
@inline(__always)
private func signVec(_ d: Vec) -> Vec {
  Vec(repeating: 0).replacing(with: 1, where: d .> 0).replacing(with: -1, where: d .< 0)
}

/// mean over elements of f(a, b) → shape `[]`, with ∂f/∂a and ∂f/∂b per element.
private func meanPairLoss(
  _ op: String, _ a: Tensor, _ b: Tensor, _ f: @escaping (Vec, Vec) -> Vec,
  gradA: @escaping (Vec, Vec) -> Vec, gradB: @escaping (Vec, Vec) -> Vec
) throws -> Tensor {
  guard a.shape == b.shape else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [a.shape, b.shape], reason: "differ: prediction and target must have the same shape")
  }
  let n = a.count
  let out = Tensor(uninitialized: [])
  out.data[0] = Float(simdZipSum(n, a.data, b.data, f) / Double(n))
  return out.recorded(op, [a, b]) { g in
    let s = g.data[0] / Float(n)
    for (input, partial) in [(a, gradA), (b, gradB)] where input.requiresGrad {
      let target = input.gradBuffer().data
      simdZip3(n, a.data, b.data, target, target) { x, y, acc in acc + s * partial(x, y) }
    }
  }
}
