// Average and max pooling: values worked by hand (floored output size, overlapping windows,
// ties), gradient checks on odd non-square sizes, argument errors.
import Tensors
import XCTest

final class PoolingTests: XCTestCase {
  // 3 × 5 plane: rows [1 2 3 4 5], [6 7 8 9 10], [11 12 13 14 15].
  let x = try! Tensor(shape: [1, 1, 3, 5], values: (1...15).map(Float.init))

  func testAvgPoolValuesFloorsOutput() throws {
    let y = try x.avgPool2d(kernel: 2, stride: 2)
    XCTAssertEqual(y.shape, [1, 1, 1, 2])  // the last row and column are dropped
    XCTAssertEqual(y.values, [4, 6])  // (1 + 2 + 6 + 7) / 4, (3 + 4 + 8 + 9) / 4
    let z = try x.avgPool2d(kernel: 3, stride: 1)
    XCTAssertEqual(z.shape, [1, 1, 1, 3])
    XCTAssertEqual(z.values, [7, 8, 9])  // centre of each 3 × 3 window
  }

  func testMaxPoolValuesAndTies() throws {
    XCTAssertEqual(try x.maxPool2d(kernel: 2, stride: 1).values, [7, 8, 9, 10, 12, 13, 14, 15])
    // All equal: the gradient goes to the first element of the window only.
    let flat = Tensor(shape: [1, 1, 2, 2], repeating: 3, requiresGrad: true)
    try flat.maxPool2d(kernel: 2, stride: 2).backward()
    XCTAssertEqual(flat.grad!.values, [1, 0, 0, 0])
  }

  func testMaxPoolPropagatesNaN() throws {
    let t = try Tensor(shape: [1, 1, 2, 2], values: [1, .nan, 3, 2], requiresGrad: true)
    let y = try t.maxPool2d(kernel: 2, stride: 2)
    XCTAssertTrue(y.item.isNaN)
    try y.backward(gradient: Tensor(shape: [1, 1, 1, 1], repeating: 1))
    XCTAssertEqual(t.grad!.values, [0, 1, 0, 0])
  }

  func testGradients() throws {
    // Distinct values 1/378 apart; for max pooling h = 1e-4 stays far below that gap, so no
    // argmax switches, and its outputs are copies of inputs, so rounding error stays ~1e-3.
    let n = 2 * 3 * 7 * 9
    let values = (0..<n).map { Float(($0 * 37) % n) / Float(n) - 0.5 }
    let t = try Tensor(shape: [2, 3, 7, 9], values: values)
    for (k, s) in [(2, 2), (3, 2), (2, 1), (3, 3)] {
      try assertGradientsMatch([t], h: 1e-4) { try $0[0].maxPool2d(kernel: k, stride: s) }
      try assertGradientsMatch([t]) { try $0[0].avgPool2d(kernel: k, stride: s) }
    }
  }

  func testLargeThreadedMatchesSmall() throws {
    // Each plane pooled alone equals the same plane pooled in a large threaded batch.
    let t = randomTensor([4, 16, 33, 35], seed: 1)
    let all = try t.maxPool2d(kernel: 2, stride: 2)
    let avg = try t.avgPool2d(kernel: 2, stride: 2)
    let one = try t.slice(axis: 0, range: 3..<4).slice(axis: 1, range: 15..<16)
    XCTAssertEqual(try all.slice(axis: 0, range: 3..<4).slice(axis: 1, range: 15..<16).values, try one.maxPool2d(kernel: 2, stride: 2).values)
    XCTAssertEqual(try avg.slice(axis: 0, range: 3..<4).slice(axis: 1, range: 15..<16).values, try one.avgPool2d(kernel: 2, stride: 2).values)
  }

  func testErrors() {
    XCTAssertThrowsError(try x.avgPool2d(kernel: 4, stride: 1)) { error in
      XCTAssertEqual("\(error)", "avgPool2d: kernel 4 larger than H × W = 3 × 5 of shape [1, 1, 3, 5]")
    }
    XCTAssertThrowsError(try x.maxPool2d(kernel: 2, stride: 0))
    XCTAssertThrowsError(try Tensor.zeros([3, 5]).maxPool2d(kernel: 2, stride: 2))
  }
}
