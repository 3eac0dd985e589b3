// Reshape and permute: values against a naive index walk, gradient checks, and shape errors.
import Tensors
import XCTest

/// Reference permute: output element at multi-index o reads input at the index with
/// in[axes[i]] = o[i].
private func naivePermute(_ x: Tensor, _ axes: [Int]) -> [Float] {
  let outShape = axes.map { x.shape[$0] }
  var inStrides = Array(repeating: 1, count: x.rank)
  for i in stride(from: x.rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * x.shape[i + 1] }
  var result: [Float] = []
  for flat in 0..<x.count {
    var rem = flat
    var offset = 0
    for i in stride(from: outShape.count - 1, through: 0, by: -1) {
      offset += (rem % outShape[i]) * inStrides[axes[i]]
      rem /= outShape[i]
    }
    result.append(x.data[offset])
  }
  return result
}

final class ShapeOpsTests: XCTestCase {
  func testReshapeInfersSizeAndSharesValues() throws {
    let x = randomTensor([2, 3, 5], seed: 1)
    let y = try x.reshaped([5, -1])
    XCTAssertEqual(y.shape, [5, 6])
    XCTAssertEqual(y.values, x.values)
    XCTAssertEqual(try x.reshaped([-1]).shape, [30])
  }

  func testReshapeGradient() throws {
    let x = randomTensor([3, 4, 5], seed: 2)
    let w = randomTensor([5, 12], seed: 3)
    // Reshape feeding a non-uniform op so that each element's route is checked.
    try assertGradientsMatch([x, w]) { xs in try xs[0].reshaped([5, -1]) * xs[1] }
  }

  func testReshapeErrors() {
    let x = Tensor.zeros([2, 3])
    XCTAssertThrowsError(try x.reshaped([4, 2])) { error in
      XCTAssertEqual("\(error)", "reshape: shapes [2, 3] and [4, 2] hold different numbers of elements (6 vs 8)")
    }
    XCTAssertThrowsError(try x.reshaped([-1, -1]))
    XCTAssertThrowsError(try x.reshaped([4, -1]))
  }

  func testPermuteMatchesNaiveIndexing() throws {
    let x = randomTensor([2, 3, 5, 7], seed: 4)
    for axes in [[0, 2, 3, 1], [0, 3, 1, 2], [3, 1, 0, 2], [1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1], [0, 1, 2, 3]] {
      let y = try x.permuted(axes)
      XCTAssertEqual(y.shape, axes.map { x.shape[$0] })
      XCTAssertEqual(y.values, naivePermute(x, axes), "axes \(axes)")
    }
    // Size-1 axes and negative axes.
    let z = randomTensor([3, 1, 4, 1, 5], seed: 5)
    XCTAssertEqual(try z.permuted([4, 1, -3, 0, 3]).values, naivePermute(z, [4, 1, 2, 0, 3]))
  }

  func testPermuteLargeTiledAndThreaded() throws {
    // Large enough for the threaded tiled transpose and the threaded general path.
    let x = randomTensor([3, 37, 41, 29], seed: 6)
    for axes in [[0, 2, 3, 1], [0, 3, 1, 2], [2, 0, 3, 1]] {
      XCTAssertEqual(try x.permuted(axes).values, naivePermute(x, axes), "axes \(axes)")
    }
  }

  func testPermuteGradient() throws {
    let x = randomTensor([2, 3, 5, 7], seed: 7)
    for axes in [[0, 2, 3, 1], [0, 3, 1, 2], [3, 1, 0, 2]] {
      try assertGradientsMatch([x]) { xs in try xs[0].permuted(axes) }
    }
  }

  func testPermuteErrors() {
    let x = Tensor.zeros([2, 3, 4])
    XCTAssertThrowsError(try x.permuted([0, 1])) { error in
      XCTAssertEqual("\(error)", "permute: axes [0, 1] do not match shape [2, 3, 4]: need one axis per dimension")
    }
    XCTAssertThrowsError(try x.permuted([0, 1, 1]))
    XCTAssertThrowsError(try x.permuted([0, 1, 3]))
  }
}
