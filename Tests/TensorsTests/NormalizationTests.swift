// Group, instance and layer norm: values against a naive Double reference, gradient checks
// for input, weight and bias on odd sizes with batch > 1, the threaded path, and errors.
import Tensors
import XCTest

/// Naive normalisation in Double: rows of `length` contiguous elements, affine index
/// `affineIndex(i)` for element i of the tensor.
private func reference(
  _ x: Tensor, length: Int, eps: Double, weight: Tensor?, bias: Tensor?, affineIndex: (Int) -> Int
) -> [Float] {
  var out = [Float](repeating: 0, count: x.count)
  for r in 0..<(x.count / length) {
    let row = (0..<length).map { Double(x.data[r * length + $0]) }
    let mean = row.reduce(0, +) / Double(length)
    let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(length)
    for j in 0..<length {
      let i = r * length + j
      let a = affineIndex(i)
      let w = weight.map { Double($0.data[a]) } ?? 1
      let b = bias.map { Double($0.data[a]) } ?? 0
      out[i] = Float((row[j] - mean) / (variance + eps).squareRoot() * w + b)
    }
  }
  return out
}

private func assertClose(_ a: [Float], _ b: [Float], _ tol: Float = 2e-5, file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(a.count, b.count, file: file, line: line)
  let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
  XCTAssertLessThan(worst, tol, file: file, line: line)
}

final class NormalizationTests: XCTestCase {
  func testGroupNormValues() throws {
    let x = randomTensor([2, 6, 3, 5], in: -2...3, seed: 1)
    let w = randomTensor([6], seed: 2)
    let b = randomTensor([6], seed: 3)
    let y = try x.groupNorm(groups: 3, weight: w, bias: b)
    assertClose(y.values, reference(x, length: 2 * 15, eps: 1e-5, weight: w, bias: b) { ($0 / 15) % 6 })
    let plain = try x.groupNorm(groups: 2, weight: nil, bias: nil, eps: 1e-3)
    assertClose(plain.values, reference(x, length: 3 * 15, eps: 1e-3, weight: nil, bias: nil) { $0 })
  }

  func testInstanceAndLayerNormValues() throws {
    let x = randomTensor([3, 4, 5, 7], in: -1...2, seed: 4)
    let w = randomTensor([4], seed: 5)
    assertClose(
      try x.instanceNorm(weight: w, bias: nil).values,
      reference(x, length: 35, eps: 1e-5, weight: w, bias: nil) { ($0 / 35) % 4 })
    let lw = randomTensor([5, 7], seed: 6)
    let lb = randomTensor([5, 7], seed: 7)
    assertClose(
      try x.layerNorm(lastAxes: 2, weight: lw, bias: lb).values,
      reference(x, length: 35, eps: 1e-5, weight: lw, bias: lb) { $0 % 35 })
    assertClose(
      try x.layerNorm(lastAxes: 1, weight: nil, bias: nil).values,
      reference(x, length: 7, eps: 1e-5, weight: nil, bias: nil) { $0 })
  }

  func testGroupNormGradients() throws {
    let x = randomTensor([2, 6, 3, 5], seed: 8)
    let w = randomTensor([6], in: 0.5...1.5, seed: 9)
    let b = randomTensor([6], seed: 10)
    try assertGradientsMatch([x, w, b]) { try $0[0].groupNorm(groups: 3, weight: $0[1], bias: $0[2]) }
    try assertGradientsMatch([x]) { try $0[0].groupNorm(groups: 2, weight: nil, bias: nil) }
    // Spatial 1 × 1 (channels only) and a [N, C, L] input.
    try assertGradientsMatch([randomTensor([3, 4, 1, 1], seed: 11)]) { try $0[0].groupNorm(groups: 1, weight: nil, bias: nil) }
    try assertGradientsMatch([randomTensor([2, 6, 7], seed: 12), w]) { try $0[0].groupNorm(groups: 3, weight: $0[1], bias: nil) }
  }

  func testInstanceNormGradients() throws {
    let x = randomTensor([2, 3, 5, 4], seed: 13)
    let w = randomTensor([3], in: 0.5...1.5, seed: 14)
    let b = randomTensor([3], seed: 15)
    try assertGradientsMatch([x, w, b]) { try $0[0].instanceNorm(weight: $0[1], bias: $0[2]) }
    try assertGradientsMatch([x]) { try $0[0].instanceNorm(weight: nil, bias: nil) }
  }

  func testLayerNormGradients() throws {
    let x = randomTensor([2, 3, 7], seed: 16)
    let w = randomTensor([7], in: 0.5...1.5, seed: 17)
    let b = randomTensor([7], seed: 18)
    try assertGradientsMatch([x, w, b]) { try $0[0].layerNorm(lastAxes: 1, weight: $0[1], bias: $0[2]) }
    try assertGradientsMatch([x]) { try $0[0].layerNorm(lastAxes: 2, weight: nil, bias: nil) }
    let w2 = randomTensor([3, 7], in: 0.5...1.5, seed: 19)
    try assertGradientsMatch([x, w2]) { try $0[0].layerNorm(lastAxes: 2, weight: $0[1], bias: nil) }
  }

  func testLargeThreadedGradientsMatchPerSample() throws {
    // The threaded large-batch path must give each sample the gradient it gets alone.
    let x = randomTensor([4, 32, 23, 29], seed: 20)
    let w = randomTensor([32], seed: 21)
    let b = randomTensor([32], seed: 22)
    let gOut = randomTensor(x.shape, seed: 23)
    x.requiresGrad = true
    try x.groupNorm(groups: 8, weight: w, bias: b).backward(gradient: gOut)
    let one = try x.slice(axis: 0, range: 3..<4).detached()
    one.requiresGrad = true
    try one.groupNorm(groups: 8, weight: w, bias: b).backward(gradient: try gOut.slice(axis: 0, range: 3..<4))
    assertClose(try x.grad!.slice(axis: 0, range: 3..<4).values, one.grad!.values, 1e-5)

    let t = randomTensor([64, 33, 37], seed: 24)
    let lw = randomTensor([37], seed: 25)
    lw.requiresGrad = true
    let tOut = randomTensor(t.shape, seed: 26)
    try t.layerNorm(lastAxes: 1, weight: lw, bias: nil).backward(gradient: tOut)
    // ∂L/∂w = Σ g·x̂ over rows, with x̂ from the forward without affine.
    let xhat = try t.layerNorm(lastAxes: 1, weight: nil, bias: nil)
    var expected = [Double](repeating: 0, count: 37)
    for i in 0..<t.count { expected[i % 37] += Double(tOut.data[i]) * Double(xhat.data[i]) }
    assertClose(lw.grad!.values, expected.map { Float($0) }, 1e-3)
  }

  func testErrors() {
    let x = Tensor.zeros([2, 6, 3, 3])
    XCTAssertThrowsError(try x.groupNorm(groups: 4, weight: nil, bias: nil)) { error in
      XCTAssertEqual("\(error)", "groupNorm: 4 groups do not divide the 6 channels of shape [2, 6, 3, 3]")
    }
    XCTAssertThrowsError(try x.groupNorm(groups: 3, weight: Tensor.ones([3]), bias: nil)) { error in
      XCTAssertEqual("\(error)", "groupNorm: shapes [2, 6, 3, 3] and [3] affine parameters must be [C] = [6]")
    }
    XCTAssertThrowsError(try x.instanceNorm(weight: nil, bias: Tensor.zeros([2])))
    XCTAssertThrowsError(try x.layerNorm(lastAxes: 2, weight: Tensor.ones([3]), bias: nil)) { error in
      XCTAssertEqual("\(error)", "layerNorm: shapes [2, 6, 3, 3] and [3] affine parameters must be [3, 3], the last 2 axes")
    }
    XCTAssertThrowsError(try x.layerNorm(lastAxes: 5, weight: nil, bias: nil))
  }
}
