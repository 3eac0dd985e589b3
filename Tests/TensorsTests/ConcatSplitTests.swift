// Concat, split and slice along every axis: values, round trips, gradient checks, errors.
import Tensors
import XCTest

final class ConcatSplitTests: XCTestCase {
  func testConcatValuesOnMiddleAxis() throws {
    let a = try Tensor(shape: [2, 1, 2], values: [1, 2, 3, 4])
    let b = try Tensor(shape: [2, 2, 2], values: [5, 6, 7, 8, 9, 10, 11, 12])
    let c = try Tensor.concat([a, b], axis: 1)
    XCTAssertEqual(c.shape, [2, 3, 2])
    XCTAssertEqual(c.values, [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
  }

  func testSplitInvertsConcatOnEveryAxis() throws {
    for axis in 0..<4 {
      var sa = [3, 2, 5, 7]
      var sb = sa
      sa[axis] = 2
      sb[axis] = 3
      let a = randomTensor(sa, seed: 1)
      let b = randomTensor(sb, seed: 2)
      let c = try Tensor.concat([a, b], axis: axis)
      let parts = try c.split(sizes: [2, 3], axis: axis - 4)  // negative axis counts from the end
      XCTAssertEqual(parts[0].shape, sa)
      XCTAssertEqual(parts[0].values, a.values, "axis \(axis)")
      XCTAssertEqual(parts[1].values, b.values, "axis \(axis)")
    }
  }

  func testLargeThreadedConcatAndSlice() throws {
    let a = randomTensor([4, 33, 29, 31], seed: 3)
    let b = randomTensor([4, 17, 29, 31], seed: 4)
    let c = try Tensor.concat([a, b], axis: 1)
    XCTAssertEqual(try c.slice(axis: 1, range: 0..<33).values, a.values)
    XCTAssertEqual(try c.slice(axis: 1, range: 33..<50).values, b.values)
  }

  func testConcatGradientOnEveryAxis() throws {
    for axis in 0..<4 {
      let sa = [2, 3, 5, 7]
      var sb = sa
      sb[axis] += 1
      let a = randomTensor(sa, seed: 5)
      let b = randomTensor(sb, seed: 6)
      let c = randomTensor(sa, seed: 7)
      try assertGradientsMatch([a, b, c]) { xs in try Tensor.concat(xs, axis: axis) }
    }
  }

  func testSliceAndSplitGradients() throws {
    let x = randomTensor([3, 5, 4, 7], seed: 8)
    for axis in 0..<4 {
      try assertGradientsMatch([x]) { xs in try xs[0].slice(axis: axis, range: 1..<3) }
    }
    // Two pieces used together (one twice): gradients add into the same input.
    try assertGradientsMatch([x]) { xs in
      let p = try xs[0].split(sizes: [1, 4, 2], axis: 3)
      return try Tensor.concat([p[2], p[0], p[2]], axis: 3)
    }
  }

  func testErrorsNameOpAndShapes() {
    let a = Tensor.zeros([2, 3, 4])
    let b = Tensor.zeros([2, 5, 5])
    XCTAssertThrowsError(try Tensor.concat([a, b], axis: 1)) { error in
      XCTAssertEqual("\(error)", "concat: shapes [2, 3, 4] and [2, 5, 5] differ outside axis 1")
    }
    XCTAssertThrowsError(try Tensor.concat([a, Tensor.zeros([2, 3])], axis: 0))
    XCTAssertThrowsError(try Tensor.concat([], axis: 0))
    XCTAssertThrowsError(try Tensor.concat([a, a], axis: 3))
    XCTAssertThrowsError(try a.split(sizes: [1, 1], axis: 1)) { error in
      XCTAssertEqual(
        "\(error)", "split: sizes [1, 1] must be ≥ 0 and add up to 3, the length of axis 1 of shape [2, 3, 4]")
    }
    XCTAssertThrowsError(try a.slice(axis: 2, range: 2..<5)) { error in
      XCTAssertEqual("\(error)", "slice: range 2..<5 outside 0..<4 on axis 2 of shape [2, 3, 4]")
    }
  }
}
