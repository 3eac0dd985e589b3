// Accuracy of the vectorised log and log1p against Double references, and their special values.
import Foundation
import Kernels
import XCTest

final class SIMDLogTests: XCTestCase {
  /// Error in units of the float32 spacing at the exact value.
  private func ulps(_ y: Float, _ ref: Double) -> Double {
    abs(Double(y) - ref) / Double(Float(ref).ulp)
  }

  func testLogWithinTwoUlpFromSubnormalsToFloatMax() {
    var worst = 0.0
    var x: Float = 1e-44
    while x < 3e38 {
      var v = Vec(repeating: 0)
      for j in 0..<16 { v[j] = x * (1 + Float(j) * 0.0173) }
      let y = vlog(v)
      for j in 0..<16 { worst = max(worst, ulps(y[j], Foundation.log(Double(v[j])))) }
      x *= 1.37
    }
    // Near 1 the result is small and must stay relatively accurate.
    var u: Float = 0.5
    while u < 2 {
      let v = Vec(repeating: u)
      worst = max(worst, ulps(vlog(v)[0], Foundation.log(Double(u))))
      u += 0.000731
    }
    XCTAssertLessThan(worst, 2)
  }

  func testLogSpecialValues() {
    let v = vlog(Vec(0, -0.0, -1, .infinity, .nan, 1, 2, 0.5, 4, 8, 16, 32, 64, 128, 256, 512))
    XCTAssertEqual(v[0], -.infinity)
    XCTAssertEqual(v[1], -.infinity)
    XCTAssertTrue(v[2].isNaN)
    XCTAssertEqual(v[3], .infinity)
    XCTAssertTrue(v[4].isNaN)
    XCTAssertEqual(v[5], 0)
    XCTAssertEqual(v[6], Float(M_LN2), accuracy: 1e-7)
  }

  func testLog1pKeepsTinyArguments() {
    var worst = 0.0
    var u: Float = 1e-30
    while u < 10 {
      let y = vlog1p(Vec(repeating: u))[0]
      worst = max(worst, ulps(y, Foundation.log1p(Double(u))))
      u *= 1.29
    }
    XCTAssertLessThan(worst, 3)
  }
}
