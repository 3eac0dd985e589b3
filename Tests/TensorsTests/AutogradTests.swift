// AutogradTests: the tape's leaf-completion callback — each leaf reported exactly once, after
// every contribution to its gradient has been added, and before backward has finished the
// leaves computed earlier in the forward pass.
import Tensors
import XCTest

final class AutogradTests: XCTestCase {
  func testLeafDoneFiresOnceWithTheFinalGradientInReverseLayerOrder() throws {
    // Two "layers": h = tanh(x * a) uses a; y = sum(h * b + h * b) uses b twice.
    let x = randomTensor([3, 4], seed: 1)
    let a = randomTensor([3, 4], seed: 2), b = randomTensor([3, 4], seed: 3)
    a.requiresGrad = true
    b.requiresGrad = true
    let y = try (try (x * a).tanh() * b + (x * a).tanh() * b).sum()
    var reports: [(name: String, grad: [Float])] = []
    try y.backward { leaf in
      reports.append((leaf === a ? "a" : leaf === b ? "b" : "?", leaf.grad?.values ?? []))
    }
    XCTAssertEqual(reports.map(\.name), ["b", "a"])
    XCTAssertEqual(reports[0].grad, b.grad!.values)  // final when reported
    XCTAssertEqual(reports[1].grad, a.grad!.values)
  }
}
