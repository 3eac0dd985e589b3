// DropoutTests: the gradient uses the forward mask, the mask is the documented Philox draw,
// the drop rate and scaling, reproducibility from the stream state, and the identity cases.
import Kernels
@testable import Tensors
import XCTest

final class DropoutTests: XCTestCase {
  func testGradientUsesTheSameMask() throws {
    let x = randomTensor([3, 5, 7], seed: 81)
    // A fresh stream of the same seed each call: the finite differences see the same mask.
    try assertGradientsMatch([x]) { xs in
      var rng = PhiloxRandom(seed: 5)
      return xs[0].dropout(p: 0.3, training: true, using: &rng)
    }
    var rng = PhiloxRandom(seed: 6)
    let y = try Tensor(shape: [2, 50], values: (0..<100).map { Float($0) + 1 }, requiresGrad: true)
    let z = y.dropout(p: 0.5, training: true, using: &rng)
    try z.sum().backward()
    // ∂Σz/∂y is exactly the mask: 2 where kept (z = 2y), 0 where dropped (z = 0).
    for i in 0..<100 { XCTAssertEqual(y.grad!.data[i], z.data[i] == 0 ? 0 : 2, "element \(i)") }
    for i in 0..<100 where z.data[i] != 0 { XCTAssertEqual(z.data[i], 2 * y.data[i]) }
  }

  func testMaskIsTheDocumentedPhiloxDraw() {
    // Element i is dropped iff word i mod 4 of block i / 4 under the key drawn from the stream,
    // as a uniform, is below p: checked against the scalar generator on a size with whole
    // 64-element SIMD steps, threaded chunks and a ragged tail.
    let n = 70_001
    var rng = PhiloxRandom(seed: 12)
    var copy = rng
    let key = copy.next()
    let y = Tensor.ones([n]).dropout(p: 0.3, training: true, using: &rng)
    var mismatches = 0
    for i in 0..<n {
      let word = PhiloxRandom.philox(counter: UInt64(i / 4), key: key)[i % 4]
      let dropped = Float(word >> 8) * 0x1p-24 < 0.3
      if (y.data[i] == 0) != dropped { mismatches += 1 }
    }
    XCTAssertEqual(mismatches, 0)
    XCTAssertEqual(rng, copy, "one 64-bit draw per call")
  }

  func testDropRateAndScaling() {
    var rng = PhiloxRandom(seed: 7)
    let n = 200_003  // several threaded chunks and a ragged tail
    let x = Tensor.ones([n])
    for p: Float in [0.1, 0.5, 0.9] {
      let y = x.dropout(p: p, training: true, using: &rng)
      let kept = y.values.filter { $0 != 0 }
      XCTAssertTrue(kept.allSatisfy { $0 == 1 / (1 - p) })
      // Binomial standard deviation √(p(1−p)/n) ≤ 1.2e-3; allow 5σ.
      XCTAssertEqual(Double(n - kept.count) / Double(n), Double(p), accuracy: 6e-3, "p = \(p)")
      XCTAssertEqual(Double(y.mean().item), 1, accuracy: 0.03, "the expectation is preserved")
    }
  }

  func testMaskComesFromTheStreamState() {
    let x = randomTensor([4, 33], seed: 82)
    var a = PhiloxRandom(seed: 9), b = PhiloxRandom(seed: 9)
    let first = x.dropout(p: 0.4, training: true, using: &a)
    XCTAssertEqual(first.values, x.dropout(p: 0.4, training: true, using: &b).values)
    XCTAssertEqual(a, b, "the stream advances the same way")
    XCTAssertNotEqual(first.values, x.dropout(p: 0.4, training: true, using: &a).values)
  }

  func testMaskDoesNotDependOnTheThreadCount() {
    let x = Tensor.ones([100_001])
    let threads = Threading.count
    defer { Threading.setCount(threads) }
    var masks: [[Float]] = []
    for t in [1, 2, 3] {
      Threading.setCount(t)
      var rng = PhiloxRandom(seed: 11)
      masks.append(x.dropout(p: 0.5, training: true, using: &rng).values)
    }
    XCTAssertEqual(masks[0], masks[1])
    XCTAssertEqual(masks[0], masks[2])
  }

  func testIdentityWhenNotTrainingOrPZeroAndZerosForPOne() {
    let x = randomTensor([3, 4], seed: 83)
    var rng = PhiloxRandom(seed: 10)
    let before = rng
    XCTAssertTrue(x.dropout(p: 0.5, training: false, using: &rng) === x)
    XCTAssertTrue(x.dropout(p: 0, training: true, using: &rng) === x)
    XCTAssertEqual(rng, before, "no draws when dropout is off")
    XCTAssertEqual(x.dropout(p: 1, training: true, using: &rng).values, [Float](repeating: 0, count: 12))
  }
}
