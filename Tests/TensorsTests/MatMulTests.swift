// matmul (2-D, batched 3-D) and linear (2-D and 3-D input, with and without bias): values
// worked by hand, gradient checks on non-square sizes, shape errors.
import Tensors
import XCTest

final class MatMulTests: XCTestCase {
  func testMatmulValues() throws {
    let a = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    let b = try Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
    // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
    XCTAssertEqual(try matmul(a, b).values, [58, 64, 139, 154])
  }

  func testBatchedMatchesPerSample() throws {
    let a = randomTensor([3, 4, 5], seed: 1)
    let b = randomTensor([3, 5, 2], seed: 2)
    let c = try matmul(a, b)
    XCTAssertEqual(c.shape, [3, 4, 2])
    for i in 0..<3 {
      let ai = try a.slice(axis: 0, range: i..<(i + 1)).reshaped([4, 5])
      let bi = try b.slice(axis: 0, range: i..<(i + 1)).reshaped([5, 2])
      XCTAssertEqual(try c.slice(axis: 0, range: i..<(i + 1)).values, try matmul(ai, bi).values)
    }
  }

  func testMatmulGradients() throws {
    try assertGradientsMatch([randomTensor([3, 5], seed: 3), randomTensor([5, 4], seed: 4)]) { try matmul($0[0], $0[1]) }
    try assertGradientsMatch([randomTensor([2, 3, 5], seed: 5), randomTensor([2, 5, 7], seed: 6)]) { try matmul($0[0], $0[1]) }
  }

  func testLinearValues() throws {
    let x = try Tensor(shape: [1, 2], values: [1, 2])
    let w = try Tensor(shape: [3, 2], values: [1, 0, 0, 1, 1, 1])
    let b = try Tensor(shape: [3], values: [10, 20, 30])
    XCTAssertEqual(try linear(x, weight: w, bias: b).values, [11, 22, 33])
    XCTAssertEqual(try linear(x, weight: w, bias: nil).values, [1, 2, 3])
  }

  func testLinearGradients() throws {
    let w = randomTensor([4, 5], seed: 7)
    let b = randomTensor([4], seed: 8)
    try assertGradientsMatch([randomTensor([3, 5], seed: 9), w, b]) { try linear($0[0], weight: $0[1], bias: $0[2]) }
    try assertGradientsMatch([randomTensor([2, 3, 5], seed: 10), w, b]) { try linear($0[0], weight: $0[1], bias: $0[2]) }
    try assertGradientsMatch([randomTensor([2, 3, 5], seed: 11), w]) { try linear($0[0], weight: $0[1], bias: nil) }
    XCTAssertEqual(try linear(randomTensor([2, 3, 5], seed: 1), weight: w, bias: b).shape, [2, 3, 4])
  }

  func testShapeErrors() {
    XCTAssertThrowsError(try matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2]))) { error in
      XCTAssertEqual("\(error)", "matmul: shapes [2, 3] and [4, 2] inner sizes differ (3 vs 4)")
    }
    XCTAssertThrowsError(try matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 2])))
    XCTAssertThrowsError(try matmul(Tensor.zeros([2, 3]), Tensor.zeros([1, 3, 2])))
    XCTAssertThrowsError(try linear(Tensor.zeros([2, 3]), weight: Tensor.zeros([4, 5]), bias: nil)) { error in
      XCTAssertEqual(
        "\(error)", "linear: shapes [2, 3] and [4, 5] need input [..., in] and weight [out, in] with the same in")
    }
    XCTAssertThrowsError(try linear(Tensor.zeros([2, 5]), weight: Tensor.zeros([4, 5]), bias: Tensor.zeros([5])))
  }
}
