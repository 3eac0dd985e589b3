// LossesTests: gradient checks for every loss (both arguments where they are differentiable),
// values against closed forms computed by hand in Double, and the shape and target errors.
import Foundation
import Tensors
import XCTest

final class LossesTests: XCTestCase {
  func testPairLossGradients() throws {
    let pred = randomTensor([2, 3, 5, 7], seed: 61)
    let target = randomTensor([2, 3, 5, 7], seed: 62)
    try assertGradientsMatch([pred, target]) { try mseLoss($0[0], $0[1]) }
    try assertGradientsMatch([pred, target]) { try charbonnierLoss($0[0], $0[1], eps: 0.5) }
    // Away from the kink of |d| (and the sharp bend of Charbonnier with eps = 1e-3 at d = 0).
    let d = randomTensor([2, 3, 5, 7], in: -1...1, avoiding: [0], margin: 0.1, seed: 63)
    let shifted = try (pred + d).detached()
    try assertGradientsMatch([shifted, pred]) { try l1Loss($0[0], $0[1]) }
    try assertGradientsMatch([shifted, pred]) { try charbonnierLoss($0[0], $0[1]) }
  }

  func testBCEWithLogitsGradients() throws {
    let logits = randomTensor([3, 4, 5], in: -4...4, seed: 64)
    let targets = randomTensor([3, 4, 5], in: 0...1, seed: 65)
    try assertGradientsMatch([logits, targets]) { try bceWithLogitsLoss($0[0], $0[1]) }
  }

  func testCrossEntropyGradients() throws {
    let logits = randomTensor([5, 7], in: -3...3, seed: 66)
    try assertGradientsMatch([logits]) { try crossEntropyLoss(logits: $0[0], targets: [0, 6, 3, 3, 1]) }
    let wide = randomTensor([3, 37], in: -3...3, seed: 67)
    try assertGradientsMatch([wide]) { try crossEntropyLoss(logits: $0[0], targets: [36, 0, 17]) }
  }

  func testPairLossValuesByHand() throws {
    let p = try Tensor(shape: [2, 2], values: [1, -2, 0.5, 3])
    let t = try Tensor(shape: [2, 2], values: [0, -2, 1.5, 1])
    // d = [1, 0, −1, 2]
    XCTAssertEqual(try mseLoss(p, t).item, 1.5)  // (1 + 0 + 1 + 4) / 4
    XCTAssertEqual(try l1Loss(p, t).item, 1)  // (1 + 0 + 1 + 2) / 4
    let e = 1e-3
    let charbonnier = ([1.0, 0, 1, 4].map { ($0 + e * e).squareRoot() }.reduce(0, +)) / 4
    XCTAssertEqual(Double(try charbonnierLoss(p, t).item), charbonnier, accuracy: 1e-7)
    XCTAssertEqual(try mseLoss(p, t).shape, [])
  }

  func testBCEMatchesClosedFormIncludingHugeLogits() throws {
    let xs: [Float] = [-100, -20, -3, -0.5, 0, 0.7, 4, 30, 100]
    let ts: [Float] = [1, 0, 0.3, 1, 0.5, 0, 1, 0, 0.25]
    let loss = try bceWithLogitsLoss(Tensor(shape: [3, 3], values: xs), Tensor(shape: [3, 3], values: ts))
    // −[t·log σ(x) + (1 − t)·log(1 − σ(x))], with log σ(x) = −log(1 + e^−x) written stably.
    func logSigmoid(_ x: Double) -> Double { x >= 0 ? -Foundation.log1p(Foundation.exp(-x)) : x - Foundation.log1p(Foundation.exp(x)) }
    let expected = zip(xs, ts).map { x, t -> Double in
      let (x, t) = (Double(x), Double(t))
      return -(t * logSigmoid(x) + (1 - t) * logSigmoid(-x))
    }.reduce(0, +) / 9
    XCTAssertTrue(loss.item.isFinite)
    XCTAssertEqual(Double(loss.item), expected, accuracy: 1e-5 * expected)
  }

  func testCrossEntropyMatchesLogSumExpByHand() throws {
    let logits = try Tensor(shape: [2, 3], values: [1, 2, 3, 1000, 0, -1000])
    let loss = try crossEntropyLoss(logits: logits, targets: [0, 0])
    // Row 0: log(e + e² + e³) − 1 = 2.40760596; row 1: log Σ ≈ 1000 exactly, minus 1000 = 0.
    let row0 = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)) - 1
    XCTAssertEqual(Double(loss.item), row0 / 2, accuracy: 1e-6)
    // Gradient: (softmax − onehot) / N.
    logits.requiresGrad = true
    try crossEntropyLoss(logits: logits, targets: [2, 1]).backward()
    let g = logits.grad!.values
    let z = Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)
    XCTAssertEqual(Double(g[0]), Foundation.exp(1) / z / 2, accuracy: 1e-7)
    XCTAssertEqual(Double(g[2]), (Foundation.exp(3) / z - 1) / 2, accuracy: 1e-7)
    XCTAssertEqual(g[3], 0.5, accuracy: 1e-7)
    XCTAssertEqual(g[4], -0.5, accuracy: 1e-7)
  }

  func testLargeLossesThreaded() throws {
    // 70 001 elements: threaded sum with a ragged tail; 20 000 × 5 logits: threaded rows.
    let p = randomTensor([70_001], seed: 68), t = randomTensor([70_001], seed: 69)
    var ref = 0.0
    for i in 0..<p.count { ref += Double(p.data[i] - t.data[i]) * Double(p.data[i] - t.data[i]) }
    XCTAssertEqual(Double(try mseLoss(p, t).item), ref / 70_001, accuracy: 1e-6)
    let logits = randomTensor([20_000, 5], in: -3...3, seed: 70)
    let targets = (0..<20_000).map { $0 % 5 }
    var ce = 0.0
    for i in 0..<20_000 {
      let row = (0..<5).map { Double(logits.data[i * 5 + $0]) }
      ce += Foundation.log(row.map(Foundation.exp).reduce(0, +)) - row[targets[i]]
    }
    XCTAssertEqual(Double(try crossEntropyLoss(logits: logits, targets: targets).item), ce / 20_000, accuracy: 1e-5)
  }

  func testErrorsNameShapesAndTargets() {
    let a = Tensor.zeros([2, 3]), b = Tensor.zeros([3, 2])
    XCTAssertThrowsError(try mseLoss(a, b)) {
      XCTAssertEqual("\($0)", "mseLoss: shapes [2, 3] and [3, 2] differ: prediction and target must have the same shape")
    }
    XCTAssertThrowsError(try charbonnierLoss(a, Tensor.zeros([1, 3])))
    XCTAssertThrowsError(try bceWithLogitsLoss(a, Tensor.zeros([6])))
    XCTAssertThrowsError(try l1Loss(a, Tensor.zeros([2, 3, 1])))
    XCTAssertThrowsError(try crossEntropyLoss(logits: a, targets: [0])) {
      XCTAssertEqual("\($0)", "crossEntropyLoss: shapes [2, 3] and [1] differ: need one target per row of logits")
    }
    XCTAssertThrowsError(try crossEntropyLoss(logits: a, targets: [0, 3])) {
      XCTAssertEqual("\($0)", "crossEntropyLoss: target 3 at index 1 is not a class index in 0..<3")
    }
    XCTAssertThrowsError(try crossEntropyLoss(logits: Tensor.zeros([2, 3, 1]), targets: [0, 1])) {
      XCTAssertEqual("\($0)", "crossEntropyLoss: logits must be [N, C], got shape [2, 3, 1]")
    }
  }
}
