// ElementwiseMathTests: gradient checks and reference values for exp, log, sqrt, square, abs,
// pow and clamp, including their edge values; the kink-avoiding input helper lives here.
import Foundation
import Kernels
import Tensors
import XCTest

/// Uniform values in `range`, each at least `margin` from every point in `kinks` (where the
/// op's derivative jumps), so that a central difference never straddles one.
func randomTensor(
  _ shape: [Int], in range: ClosedRange<Float> = -2...2, avoiding kinks: [Float], margin: Float = 0.05,
  seed: UInt64
) -> Tensor {
  var rng = SplitMix64(seed: seed)
  let n = shape.reduce(1, *)
  let values = (0..<n).map { _ -> Float in
    while true {
      let v = Float.random(in: range, using: &rng)
      if kinks.allSatisfy({ Swift.abs(v - $0) >= margin }) { return v }
    }
  }
  return try! Tensor(shape: shape, values: values)
}

final class ElementwiseMathTests: XCTestCase {
  func testGradients() throws {
    let x = randomTensor([3, 5, 7], seed: 11)
    let positive = randomTensor([2, 3, 9], in: 0.3...2.5, seed: 12)
    try assertGradientsMatch([x]) { $0[0].exp() }
    try assertGradientsMatch([positive]) { $0[0].log() }
    try assertGradientsMatch([positive]) { $0[0].sqrt() }
    try assertGradientsMatch([x]) { $0[0].square() }
    try assertGradientsMatch([randomTensor([4, 3, 5], avoiding: [0], seed: 13)]) { $0[0].abs() }
  }

  func testPowGradients() throws {
    let positive = randomTensor([3, 4, 5], in: 0.3...2, seed: 14)
    for p: Float in [2.5, -1.5, 0.5, 1] {
      try assertGradientsMatch([positive]) { $0[0].pow(p) }
    }
    // Integer exponents are defined for negative bases.
    let x = randomTensor([2, 5, 3], in: -1.5...1.5, seed: 15)
    for p: Float in [2, 3] {
      try assertGradientsMatch([x]) { $0[0].pow(p) }
    }
    try assertGradientsMatch([randomTensor([2, 5, 3], avoiding: [0], margin: 0.3, seed: 16)]) { $0[0].pow(-2) }
  }

  func testClampGradientPassesInsideOnly() throws {
    let x = randomTensor([3, 7, 5], avoiding: [-0.5, 0.8], seed: 17)
    try assertGradientsMatch([x]) { $0[0].clamp(min: -0.5, max: 0.8) }
    let y = try Tensor(shape: [4], values: [-2, -0.5, 0.3, 3], requiresGrad: true)
    let z = y.clamp(min: -0.5, max: 0.8)
    XCTAssertEqual(z.values, [-0.5, -0.5, 0.3, 0.8])
    try z.sum().backward()
    XCTAssertEqual(y.grad?.values, [0, 1, 1, 0])
  }

  func testValuesMatchDoubleReference() throws {
    let x = randomTensor([5, 41], in: -6...6, seed: 18)
    let positive = randomTensor([5, 41], in: 1e-3...50, seed: 19)
    func check(_ t: Tensor, _ y: Tensor, _ f: (Double) -> Double, rel: Double, _ name: String) {
      for i in 0..<t.count {
        let ref = f(Double(t.data[i]))
        XCTAssertEqual(Double(y.data[i]), ref, accuracy: rel * Swift.max(1, Swift.abs(ref)), "\(name)(\(t.data[i]))")
      }
    }
    check(x, x.exp(), Foundation.exp, rel: 3e-7, "exp")
    check(positive, positive.log(), Foundation.log, rel: 3e-7, "log")
    check(positive, positive.sqrt(), Foundation.sqrt, rel: 1e-7, "sqrt")
    check(x, x.square(), { $0 * $0 }, rel: 1e-7, "square")
    check(x, x.abs(), Swift.abs, rel: 0, "abs")
    check(positive, positive.pow(1.7), { Foundation.pow($0, 1.7) }, rel: 2e-6, "pow")
    check(x, x.pow(3), { $0 * $0 * $0 }, rel: 2e-6, "pow3")
  }

  func testEdgeValuesAsPyTorch() throws {
    let x = try Tensor(shape: [4], values: [-2, 0, 0.25, 4])
    let log = x.log().values
    XCTAssertTrue(log[0].isNaN)
    XCTAssertEqual(log[1], -.infinity)
    XCTAssertTrue(x.sqrt().values[0].isNaN)
    let p = x.pow(0.5).values
    XCTAssertTrue(p[0].isNaN)
    XCTAssertEqual(Array(p[1...]), [0, 0.5, 2])
    XCTAssertEqual(x.pow(3).values, [-8, 0, 0.015625, 64])
    XCTAssertEqual(x.pow(2).values, [4, 0, 0.0625, 16])
    XCTAssertEqual(x.pow(-1).values[1], .infinity)
    XCTAssertEqual(x.pow(0).values, [1, 1, 1, 1])
    XCTAssertEqual(x.abs().values, [2, 0, 0.25, 4])
    let a = try Tensor(shape: [3], values: [-1, 0, 2], requiresGrad: true)
    try a.abs().sum().backward()
    XCTAssertEqual(a.grad?.values, [-1, 0, 1])
  }

  func testLargeTensorUsesAllChunks() throws {
    // 200 003 elements: several threaded chunks and a ragged tail.
    let x = randomTensor([3, 66_667, 1], in: 0.5...2, seed: 20)
    let y = x.log().exp()
    for i in stride(from: 0, to: x.count, by: 997) { XCTAssertEqual(y.data[i], x.data[i], accuracy: 1e-6) }
    XCTAssertEqual(y.data[x.count - 1], x.data[x.count - 1], accuracy: 1e-6)
  }

  func testOutputIsFreedWhenBackwardNeverRuns() {
    weak var weakOut: Tensor?
    let x = randomTensor([8], seed: 21)
    x.requiresGrad = true
    do {
      let y = x.exp()
      XCTAssertTrue(y.requiresGrad)
      weakOut = y
    }
    XCTAssertNil(weakOut, "the op's output must not keep itself alive through its graph node")
  }
}
