// Spatial padding: values for each mode (worked by hand as F.pad does it), gradient checks
// with uneven padding on odd sizes, and argument errors.
import Tensors
import XCTest

final class PadTests: XCTestCase {
  // x = [[1, 2, 3], [4, 5, 6]]; padding top 1, bottom 1, left 2, right 1.
  let x = try! Tensor(shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])

  func testZeros() throws {
    let y = try x.padded(top: 1, bottom: 1, left: 2, right: 1, mode: .zeros)
    XCTAssertEqual(y.shape, [1, 1, 4, 6])
    XCTAssertEqual(y.values, [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0])
  }

  func testReflect() throws {
    // Rows read 1, 0, 1, 0; columns read 2, 1, 0, 1, 2, 1 (mirror without repeating the edge).
    let y = try x.padded(top: 1, bottom: 1, left: 2, right: 1, mode: .reflect)
    XCTAssertEqual(y.values, [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2])
  }

  func testReplicate() throws {
    let y = try x.padded(top: 1, bottom: 1, left: 2, right: 1, mode: .replicate)
    XCTAssertEqual(y.values, [1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6, 4, 4, 4, 5, 6, 6])
  }

  func testGradientsAllModes() throws {
    let t = randomTensor([2, 3, 5, 4], seed: 1)
    for mode in PaddingMode.allCases {
      try assertGradientsMatch([t]) { xs in try xs[0].padded(top: 2, bottom: 1, left: 3, right: 0, mode: mode) }
    }
  }

  func testLargeThreadedMatchesCrop() throws {
    let t = randomTensor([3, 8, 37, 41], seed: 2)
    for mode in PaddingMode.allCases {
      let y = try t.padded(top: 3, bottom: 2, left: 1, right: 4, mode: mode)
      XCTAssertEqual(y.shape, [3, 8, 42, 46])
      let inner = try y.slice(axis: 2, range: 3..<40).slice(axis: 3, range: 1..<42)
      XCTAssertEqual(inner.values, t.values)
    }
  }

  func testErrors() {
    XCTAssertThrowsError(try x.padded(top: 2, bottom: 0, left: 0, right: 0, mode: .reflect)) { error in
      XCTAssertEqual(
        "\(error)",
        "pad: reflect padding (top 2, bottom 0, left 0, right 0) must be smaller than H × W = 2 × 3 of shape [1, 1, 2, 3]")
    }
    XCTAssertThrowsError(try Tensor.zeros([2, 3]).padded(top: 1, bottom: 1, left: 1, right: 1, mode: .zeros))
    XCTAssertThrowsError(try x.padded(top: -1, bottom: 0, left: 0, right: 0, mode: .zeros))
  }
}
