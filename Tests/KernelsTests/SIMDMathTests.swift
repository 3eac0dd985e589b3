// Accuracy of the vectorised exp/sigmoid/tanh against Double references.
import Foundation
import Kernels
import XCTest

final class SIMDMathTests: XCTestCase {
  func testExpRelativeErrorBelow3e7OverRange() {
    var worst = 0.0
    var x: Float = -80
    while x < 80 {
      var v = Vec(repeating: 0)
      for j in 0..<16 { v[j] = x + Float(j) * 0.0061 }
      let y = vexp(v)
      for j in 0..<16 {
        let ref = Foundation.exp(Double(v[j]))
        worst = max(worst, abs(Double(y[j]) - ref) / ref)
      }
      x += 0.0977
    }
    XCTAssertLessThan(worst, 3e-7)
  }

  func testSigmoidAndTanhAbsoluteErrorBelow2e7() {
    var worst = 0.0
    var x: Float = -20
    while x < 20 {
      let v = Vec(repeating: x)
      worst = max(worst, abs(Double(vsigmoid(v)[0]) - 1 / (1 + Foundation.exp(-Double(x)))))
      worst = max(worst, abs(Double(vtanh(v)[0]) - Foundation.tanh(Double(x))))
      x += 0.0131
    }
    XCTAssertLessThan(worst, 2e-7)
  }

  func testExpSaturatesInsteadOfProducingNaN() {
    let y = vexp(Vec(repeating: 1000))
    XCTAssertTrue(y[0].isFinite)
    XCTAssertEqual(vexp(Vec(repeating: -1000))[0], 0, accuracy: 1e-37)
  }
}
