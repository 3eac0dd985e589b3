// ReductionsTests: sum/mean over everything and over axis sets (gradients, values against a
// Double reference, keepDims shapes, errors), and the accuracy of a 10⁷-element mean.
import Tensors
import XCTest

final class ReductionsTests: XCTestCase {
  /// Σ over `axes` by the definition, in Double, for a contiguous tensor.
  private func referenceSum(_ x: Tensor, axes: Set<Int>) -> [Double] {
    let outShape = x.shape.indices.map { axes.contains($0) ? 1 : x.shape[$0] }
    var out = [Double](repeating: 0, count: outShape.reduce(1, *))
    for i in 0..<x.count {
      var rem = i, o = 0, stride = 1
      for axis in x.shape.indices.reversed() {
        let idx = rem % x.shape[axis]
        rem /= x.shape[axis]
        if !axes.contains(axis) { o += idx * stride }
        stride *= outShape[axis]
      }
      out[o] += Double(x.data[i])
    }
    return out
  }

  func testWholeTensorReductionsAreScalarsWithGradients() throws {
    let x = randomTensor([3, 5, 7], seed: 31)
    let s = x.sum()
    XCTAssertEqual(s.shape, [])
    XCTAssertEqual(s.count, 1)
    XCTAssertEqual(Double(s.item), referenceSum(x, axes: [0, 1, 2])[0], accuracy: 1e-5)
    XCTAssertEqual(Double(x.mean().item), referenceSum(x, axes: [0, 1, 2])[0] / 105, accuracy: 1e-6)
    try assertGradientsMatch([x]) { $0[0].sum() }
    try assertGradientsMatch([x]) { $0[0].mean() }
    // backward() starts from the [] scalar directly.
    let y = randomTensor([4, 3], seed: 32)
    y.requiresGrad = true
    try y.mean().backward()
    XCTAssertEqual(y.grad?.values, [Float](repeating: 1 / 12, count: 12))
  }

  func testAxisSetsValuesShapesAndGradients() throws {
    let x = randomTensor([3, 4, 5, 7], seed: 33)
    let cases: [[Int]] = [[1], [0, 2, 3], [-1], [1, 3], [0], [0, 1, 2, 3], [3, 0], [-2, -3]]
    for axes in cases {
      let norm = Set(axes.map { $0 < 0 ? $0 + 4 : $0 })
      let ref = referenceSum(x, axes: norm)
      let n = Double(norm.reduce(1) { $0 * x.shape[$1] })
      for keepDims in [false, true] {
        let s = try x.sum(axes: axes, keepDims: keepDims)
        let m = try x.mean(axes: axes, keepDims: keepDims)
        let expected = x.shape.indices.compactMap { norm.contains($0) ? (keepDims ? 1 : nil) : x.shape[$0] }
        XCTAssertEqual(s.shape, expected, "axes \(axes) keepDims \(keepDims)")
        XCTAssertEqual(m.shape, expected)
        for i in 0..<ref.count {
          XCTAssertEqual(Double(s.data[i]), ref[i], accuracy: 1e-5, "sum axes \(axes)")
          XCTAssertEqual(Double(m.data[i]), ref[i] / n, accuracy: 1e-6, "mean axes \(axes)")
        }
        try assertGradientsMatch([x]) { try $0[0].sum(axes: axes, keepDims: keepDims) }
        try assertGradientsMatch([x]) { try $0[0].mean(axes: axes, keepDims: keepDims) }
      }
    }
  }

  func testSizeOneAndEmptyAxes() throws {
    let x = randomTensor([2, 1, 3], seed: 34)
    XCTAssertEqual(try x.sum(axes: [1]).values, x.values)
    XCTAssertEqual(try x.sum(axes: [1]).shape, [2, 3])
    let empty = Tensor.zeros([0, 3])
    XCTAssertEqual(try empty.sum(axes: [0]).values, [0, 0, 0])
    XCTAssertTrue(try empty.mean(axes: [0]).values.allSatisfy { $0.isNaN })
    XCTAssertEqual(empty.sum().item, 0)
    XCTAssertTrue(empty.mean().item.isNaN)
  }

  func testBadAxesAreNamedErrors() {
    let x = Tensor.zeros([2, 3])
    XCTAssertThrowsError(try x.sum(axes: [2])) {
      XCTAssertEqual("\($0)", "sum: axis 2 is out of range for shape [2, 3] (use -2..<2)")
    }
    XCTAssertThrowsError(try x.mean(axes: [-3])) {
      XCTAssertEqual("\($0)", "mean: axis -3 is out of range for shape [2, 3] (use -2..<2)")
    }
    XCTAssertThrowsError(try x.sum(axes: [1, -1])) {
      XCTAssertEqual("\($0)", "sum: axis -1 appears twice in [1, -1]")
    }
    XCTAssertThrowsError(try x.sum(axes: [])) {
      XCTAssertEqual("\($0)", "sum: axes is empty; call sum() to reduce the whole tensor")
    }
  }

  func testTenMillionElementMeanIsAccurate() throws {
    // A float32 running sum of 10⁷ × 0.1 stalls far from 10⁶ (the spacing there is 0.0625);
    // the blocked Double-folded sum must give the exact mean to float32 precision.
    let n = 10_000_000
    let x = Tensor(shape: [n], repeating: 0.1)
    let exact = Double(Float(0.1))
    XCTAssertEqual(Double(x.mean().item), exact, accuracy: exact * 1e-6)
    // Same along axes: 10⁴ rows summed column-wise, and 10³ rows of 10⁴ summed row-wise.
    let rows = try x.reshapedForTest([10_000, 1_000]).mean(axes: [0])
    XCTAssertTrue(rows.values.allSatisfy { Swift.abs(Double($0) - exact) < exact * 1e-6 })
    let cols = try x.reshapedForTest([1_000, 10_000]).mean(axes: [1])
    XCTAssertTrue(cols.values.allSatisfy { Swift.abs(Double($0) - exact) < exact * 1e-6 })
  }
}

extension Tensor {
  /// The same elements under another shape (a copy), without depending on the shape ops.
  fileprivate func reshapedForTest(_ shape: [Int]) -> Tensor {
    let t = Tensor(uninitialized: shape)
    t.data.update(from: data, count: count)
    return t
  }
}
