// Broadcast: NumPy/PyTorch broadcasting for binary ops. A plan aligns both shapes to the
// output's rank, folds adjacent axes that broadcast the same way, and gives each operand a
// stride per folded axis (0 where it is repeated). The innermost folded axis is contiguous or
// repeated for each operand, so the inner loop is one SIMD run.
import Kernels

/// How two operands map onto a broadcast output.
struct BroadcastPlan {
  let outShape: [Int]
  /// Folded axis sizes, outermost first (at least one axis).
  let dims: [Int]
  let stridesA: [Int]
  let stridesB: [Int]

  init(outShape: [Int], dims: [Int], stridesA: [Int], stridesB: [Int]) {
    self.outShape = outShape
    self.dims = dims
    self.stridesA = stridesA
    self.stridesB = stridesB
  }

  init(op: String, _ a: [Int], _ b: [Int]) throws {
    let rank = max(a.count, b.count)
    let pa = Array(repeating: 1, count: rank - a.count) + a
    let pb = Array(repeating: 1, count: rank - b.count) + b
    var out: [Int] = []
    for (x, y) in zip(pa, pb) {
      guard x == y || x == 1 || y == 1 else {
        throw TensorError.shapeMismatch(op: op, shapes: [a, b], reason: "cannot broadcast")
      }
      out.append(x == 1 ? y : x)
    }
    outShape = out
    // Fold axes whose broadcast pattern (a repeated?, b repeated?) matches the previous one.
    var dims: [Int] = []
    var kinds: [(Bool, Bool)] = []
    for i in 0..<rank where out[i] != 1 {
      let kind = (pa[i] == 1, pb[i] == 1)
      if let last = kinds.last, last == kind {
        dims[dims.count - 1] *= out[i]
      } else {
        dims.append(out[i])
        kinds.append(kind)
      }
    }
    if dims.isEmpty {
      dims = [1]
      kinds = [(false, false)]
    }
    var sa = Array(repeating: 0, count: dims.count)
    var sb = Array(repeating: 0, count: dims.count)
    var accA = 1
    var accB = 1
    for i in stride(from: dims.count - 1, through: 0, by: -1) {
      if !kinds[i].0 { sa[i] = accA; accA *= dims[i] }
      if !kinds[i].1 { sb[i] = accB; accB *= dims[i] }
    }
    self.dims = dims
    stridesA = sa
    stridesB = sb
  }

  /// Calls `body(outOffset, aOffset, bOffset)` for each innermost run, in parallel over runs.
  func forEachRun(_ body: (Int, Int, Int) -> Void) {
    let inner = dims[dims.count - 1]
    let outer = dims.dropLast().reduce(1, *)
    let threads = inner >= 32_768 ? 1 : Threading.count
    func work(_ row: Int) {
      var rem = row
      var oa = 0
      var ob = 0
      for axis in stride(from: dims.count - 2, through: 0, by: -1) {
        let idx = rem % dims[axis]
        rem /= dims[axis]
        oa += idx * stridesA[axis]
        ob += idx * stridesB[axis]
      }
      body(row * inner, oa, ob)
    }
    if threads <= 1 || outer < 4 {
      for row in 0..<outer { work(row) }
    } else {
      Threading.forEach(outer) { work($0) }
    }
  }
}

/// out = f(a, b) with broadcasting; each operand is contiguous (stride 1) or repeated (stride 0)
/// along the inner run.
@inline(__always)
func broadcastZip(
  _ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  _ out: UnsafeMutablePointer<Float>, _ f: (Vec, Vec) -> Vec
) {
  let inner = plan.dims[plan.dims.count - 1]
  let ia = plan.stridesA[plan.dims.count - 1]
  let ib = plan.stridesB[plan.dims.count - 1]
  plan.forEachRun { o, oa, ob in
    switch (ia, ib) {
    case (1, 1): simdZip(inner, a + oa, b + ob, out + o, f)
    case (1, _):
      let s = Vec(repeating: b[ob])
      simdMap(inner, a + oa, out + o) { f($0, s) }
    case (_, 1):
      let s = Vec(repeating: a[oa])
      simdMap(inner, b + ob, out + o) { f(s, $0) }
    default:
      let v = f(Vec(repeating: a[oa]), Vec(repeating: b[ob]))[0]
      (out + o).update(repeating: v, count: inner)
    }
  }
}

/// Adds `grad` (the output's shape) into `target` (a broadcast operand's shape), summing over
/// the axes that operand was repeated along. `strides` are that operand's strides in `plan`.
func reduceBroadcastGradient(
  _ plan: BroadcastPlan, strides: [Int], grad: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>
) {
  let inner = plan.dims[plan.dims.count - 1]
  let innerStride = strides[strides.count - 1]
  let outer = plan.dims.dropLast().reduce(1, *)
  // Sequential over runs: several runs may add into the same target row.
  for row in 0..<outer {
    var rem = row
    var offset = 0
    for axis in stride(from: plan.dims.count - 2, through: 0, by: -1) {
      offset += (rem % plan.dims[axis]) * strides[axis]
      rem /= plan.dims[axis]
    }
    let g = grad + row * inner
    if innerStride == 1 {
      accumulate(g, into: target + offset, inner)
    } else {
      target[offset] += Float(simdSum(inner, g))
    }
  }
}
