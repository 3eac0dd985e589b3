// GradCheck: compares autograd's gradients with central finite differences.
//
// The check contracts the op's output with fixed random weights w, L = Σ w·f(x), so that every
// output element's gradient is exercised. L is summed in Double; the op runs in float32.
// Tolerance: with step h the central difference has truncation error O(h²·f''') and rounding
// error ≈ ε_f32·|L|/h; for h = 1e-2 and outputs of order 1 both stay below ~1e-3 relative,
// so `atol + rtol·|numeric|` with 2e-3 / 2e-2 separates a correct backward from a wrong one
// (a wrong one is off by O(1)).
import Kernels
import Tensors
import XCTest


/// A tensor of uniform values in `range`, seeded.
func randomTensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64) -> Tensor {
  var rng = SplitMix64(seed: seed)
  let n = shape.reduce(1, *)
  return try! Tensor(shape: shape, values: (0..<n).map { _ in Float.random(in: range, using: &rng) })
}

/// Asserts that autograd's gradient of Σ w·f(inputs) w.r.t. each input equals central finite
/// differences. At most `maxChecks` elements per input are perturbed (a seeded random subset).
func assertGradientsMatch(
  _ inputs: [Tensor], h: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 2e-2, maxChecks: Int = 64,
  file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor
) throws {
  for x in inputs {
    x.requiresGrad = true
    x.grad = nil
  }
  let out = try f(inputs)
  let w = randomTensor(out.shape, seed: 99)
  try out.backward(gradient: w)

  func loss() throws -> Double {
    try Autograd.withoutGradients {
      let y = try f(inputs)
      var s = 0.0
      for i in 0..<y.count { s += Double(y.data[i]) * Double(w.data[i]) }
      return s
    }
  }
  var rng = SplitMix64(seed: 7)
  for (k, x) in inputs.enumerated() {
    guard let grad = x.grad else {
      XCTFail("input \(k) received no gradient", file: file, line: line)
      continue
    }
    let indices = x.count <= maxChecks ? Array(0..<x.count) : (0..<maxChecks).map { _ in Int.random(in: 0..<x.count, using: &rng) }
    for i in indices {
      let saved = x.data[i]
      x.data[i] = saved + h
      let plus = try loss()
      x.data[i] = saved - h
      let minus = try loss()
      x.data[i] = saved
      let numeric = (plus - minus) / (2 * Double(h))
      let analytic = Double(grad.data[i])
      XCTAssertEqual(
        analytic, numeric, accuracy: atol + rtol * abs(numeric),
        "input \(k) element \(i) of shape \(x.shape)", file: file, line: line)
    }
  }
}
