// Gradient checks and shape errors for + − × ÷ (broadcasting) and scalar arithmetic.
import Tensors
import XCTest

final class ArithmeticTests: XCTestCase {
  func testSameShapeBinaryOpsGradients() throws {
    let a = randomTensor([2, 3, 5], seed: 1)
    let b = randomTensor([2, 3, 5], in: 0.5...2, seed: 2)
    try assertGradientsMatch([a, b]) { try $0[0] + $0[1] }
    try assertGradientsMatch([a, b]) { try $0[0] - $0[1] }
    try assertGradientsMatch([a, b]) { try $0[0] * $0[1] }
    try assertGradientsMatch([a, b]) { try $0[0] / $0[1] }
  }

  func testBroadcastGradients() throws {
    // Bias-like [1, C, 1, 1], row-like [W], and a leading-axis broadcast [N, 1, H, W].
    let x = randomTensor([3, 4, 5, 7], seed: 3)
    for shape in [[1, 4, 1, 1], [7], [3, 1, 5, 7], [4, 5, 1], []] {
      let y = randomTensor(shape, in: 0.5...1.5, seed: 4)
      try assertGradientsMatch([x, y]) { try $0[0] * $0[1] }
      let positive = randomTensor([3, 4, 5, 7], in: 0.5...1.5, seed: 6)
      try assertGradientsMatch([y, positive]) { try $0[0] / $0[1] }
      try assertGradientsMatch([x, y]) { try $0[0] - $0[1] }
    }
  }

  func testBroadcastValues() throws {
    let a = try Tensor(shape: [2, 1], values: [1, 2])
    let b = try Tensor(shape: [3], values: [10, 20, 30])
    let c = try a + b
    XCTAssertEqual(c.shape, [2, 3])
    XCTAssertEqual(c.values, [11, 21, 31, 12, 22, 32])
  }

  func testScalarArithmeticGradients() throws {
    let a = randomTensor([3, 17], in: 0.5...2, seed: 5)
    try assertGradientsMatch([a]) { 3 * $0[0] - 2 }
    try assertGradientsMatch([a]) { 1.5 - $0[0] / 4 }
    try assertGradientsMatch([a]) { 2 / $0[0] + 1 }
    try assertGradientsMatch([a]) { -$0[0] }
  }

  func testShapeMismatchNamesOpAndShapes() {
    let a = Tensor.zeros([2, 3])
    let b = Tensor.zeros([4, 3])
    XCTAssertThrowsError(try a + b) { error in
      XCTAssertEqual("\(error)", "add: shapes [2, 3] and [4, 3] cannot broadcast")
    }
  }

  func testGradientAccumulatesAcrossBackwardCalls() throws {
    let a = try Tensor(shape: [2], values: [1, 2], requiresGrad: true)
    let w = try Tensor(shape: [2], values: [3, 4])
    try (try a * w).backward(gradient: Tensor.ones([2]))
    try (try a * w).backward(gradient: Tensor.ones([2]))
    XCTAssertEqual(a.grad?.values, [6, 8])
  }

  func testDetachAndNoGradScopeStopGradients() throws {
    let a = try Tensor(shape: [2], values: [1, 2], requiresGrad: true)
    XCTAssertFalse(a.detached().requiresGrad)
    let b = Autograd.withoutGradients { a * 2 }
    XCTAssertFalse(b.requiresGrad)
    let c = try a * 2 + a.detached() * 3
    try c.backward(gradient: Tensor.ones([2]))
    XCTAssertEqual(a.grad?.values, [2, 2])
  }
}
