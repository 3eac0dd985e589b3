// ActivationsTests: gradient checks for relu, leaky relu, SiLU, sigmoid and tanh, and their
// values against Double references (saturation included).
import Foundation
import Tensors
import XCTest

final class ActivationsTests: XCTestCase {
  func testGradients() throws {
    let kinked = randomTensor([3, 5, 7], in: -3...3, avoiding: [0], seed: 41)
    try assertGradientsMatch([kinked]) { $0[0].relu() }
    try assertGradientsMatch([kinked]) { $0[0].leakyRelu() }
    try assertGradientsMatch([kinked]) { $0[0].leakyRelu(slope: 0.2) }
    let x = randomTensor([2, 9, 5], in: -4...4, seed: 42)
    try assertGradientsMatch([x]) { $0[0].silu() }
    try assertGradientsMatch([x]) { $0[0].sigmoid() }
    try assertGradientsMatch([x]) { $0[0].tanh() }
  }

  func testValuesMatchDoubleReference() throws {
    var values = (0..<163).map { Float($0 - 81) * 0.37 }  // −29.97 … 29.97, odd length
    values += [0, -0.0, 1e-6, -1e-6, 100, -100]
    let x = try Tensor(shape: [values.count], values: values)
    let relu = x.relu().values, leaky = x.leakyRelu(slope: 0.1).values
    let silu = x.silu().values, sig = x.sigmoid().values, th = x.tanh().values
    for (i, v) in values.enumerated() {
      let d = Double(v)
      let s = 1 / (1 + Foundation.exp(-d))
      XCTAssertEqual(relu[i], Swift.max(v, 0))
      XCTAssertEqual(leaky[i], v > 0 ? v : 0.1 * v)
      XCTAssertEqual(Double(silu[i]), d * s, accuracy: 1e-6 * Swift.max(1, Swift.abs(d)), "silu(\(v))")
      XCTAssertEqual(Double(sig[i]), s, accuracy: 2e-7, "sigmoid(\(v))")
      XCTAssertEqual(Double(th[i]), Foundation.tanh(d), accuracy: 2e-7, "tanh(\(v))")
    }
  }

  func testBackwardAtKinksAsPyTorch() throws {
    let x = try Tensor(shape: [3], values: [-1, 0, 2], requiresGrad: true)
    try x.relu().sum().backward()
    XCTAssertEqual(x.grad?.values, [0, 0, 1])
    x.grad = nil
    try x.leakyRelu(slope: 0.25).sum().backward()
    XCTAssertEqual(x.grad?.values, [0.25, 0.25, 1])
  }
}
