// SoftmaxTests: softmax and log-softmax on every axis (gradients, rows summing to one), values
// of a known vector, stability for huge logits, and axis errors.
import Foundation
import Tensors
import XCTest

final class SoftmaxTests: XCTestCase {
  func testGradientsOnEveryAxis() throws {
    let x = randomTensor([3, 5, 7], in: -3...3, seed: 51)
    for axis in [0, 1, 2, -1, -3] {
      try assertGradientsMatch([x]) { try $0[0].softmax(axis: axis) }
      try assertGradientsMatch([x]) { try $0[0].logSoftmax(axis: axis) }
    }
    // Channel softmax on an image batch, and a row long enough for whole SIMD vectors.
    let image = randomTensor([2, 4, 3, 5], in: -2...2, seed: 52)
    try assertGradientsMatch([image]) { try $0[0].softmax(axis: 1) }
    try assertGradientsMatch([image]) { try $0[0].logSoftmax(axis: 1) }
    let rows = randomTensor([3, 37], in: -2...2, seed: 53)
    try assertGradientsMatch([rows]) { try $0[0].softmax(axis: 1) }
    try assertGradientsMatch([rows]) { try $0[0].logSoftmax(axis: 1) }
  }

  func testKnownVector() throws {
    // softmax([1, 2, 3]) = e^k / (e + e² + e³); log-softmax = k − log(e + e² + e³).
    let x = try Tensor(shape: [1, 3], values: [1, 2, 3])
    let lse = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0))  // 3.40760596
    let soft = try x.softmax(axis: 1).values, logSoft = try x.logSoftmax(axis: -1).values
    for k in 0..<3 {
      XCTAssertEqual(Double(soft[k]), Foundation.exp(Double(k + 1) - lse), accuracy: 1e-7)
      XCTAssertEqual(Double(logSoft[k]), Double(k + 1) - lse, accuracy: 1e-6)
    }
    XCTAssertEqual(soft[0], 0.09003057, accuracy: 1e-7)
    XCTAssertEqual(logSoft[2], -0.40760596, accuracy: 1e-6)
  }

  func testHugeLogitsStayFiniteAndSumToOne() throws {
    let x = try Tensor(shape: [2, 3], values: [1000, 1001, 1002, -1000, -1001, -1002])
    let y = try x.softmax(axis: 1).values
    XCTAssertEqual(y[0], 0.09003057, accuracy: 1e-6)
    XCTAssertEqual(y[3], 0.66524096, accuracy: 1e-6)
    let l = try x.logSoftmax(axis: 1).values
    XCTAssertEqual(l[2], -0.40760596, accuracy: 2e-6)
    XCTAssertEqual(l[3], -0.40760596, accuracy: 2e-6)
    XCTAssertTrue(l.allSatisfy { $0.isFinite })
    // Columns of a strided axis sum to one.
    let z = randomTensor([3, 17, 5, 2], in: -30...30, seed: 54)
    let s = try z.softmax(axis: 1).sum(axes: [1])
    XCTAssertTrue(s.values.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
    // And agrees with exp(log-softmax).
    let viaLog = try z.logSoftmax(axis: 1).exp().values
    for (a, b) in zip(try z.softmax(axis: 1).values, viaLog) { XCTAssertEqual(a, b, accuracy: 1e-6) }
  }

  func testLargeInputsThreadedAgreeWithSmallPath() throws {
    // 40 000 rows of 3: threaded over rows; compare against a per-row Double reference.
    let x = randomTensor([40_000, 3], in: -5...5, seed: 55)
    let y = try x.softmax(axis: 1)
    for row in stride(from: 0, to: 40_000, by: 1_999) {
      let v = (0..<3).map { Double(x.data[row * 3 + $0]) }
      let z = v.map(Foundation.exp).reduce(0, +)
      for k in 0..<3 { XCTAssertEqual(Double(y.data[row * 3 + k]), Foundation.exp(v[k]) / z, accuracy: 1e-6) }
    }
  }

  func testAxisOutOfRangeIsNamed() {
    XCTAssertThrowsError(try Tensor.zeros([2, 3]).softmax(axis: 2)) {
      XCTAssertEqual("\($0)", "softmax: axis 2 is out of range for shape [2, 3] (use -2..<2)")
    }
    XCTAssertThrowsError(try Tensor.zeros([2, 3]).logSoftmax(axis: -3)) {
      XCTAssertEqual("\($0)", "log_softmax: axis -3 is out of range for shape [2, 3] (use -2..<2)")
    }
  }
}
