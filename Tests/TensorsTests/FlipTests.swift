// Flip: values along each axis, involution, gradient check, errors.
import Tensors
import XCTest

final class FlipTests: XCTestCase {
  func testFlipsReverseTheAxisAndUndoThemselves() throws {
    let x = try Tensor(shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(try x.flipped(axis: 3).values, [3, 2, 1, 6, 5, 4])
    XCTAssertEqual(try x.flipped(axis: 2).values, [4, 5, 6, 1, 2, 3])
    let y = randomTensor([2, 3, 5, 4], seed: 3)
    XCTAssertEqual(try y.flipped(axis: 3).flipped(axis: 3).values, y.values)
  }

  func testFlipGradient() throws {
    try assertGradientsMatch([randomTensor([2, 2, 3, 5], seed: 4)]) { xs in try xs[0].flipped(axis: 3) }
    try assertGradientsMatch([randomTensor([2, 2, 4, 3], seed: 5)]) { xs in try xs[0].flipped(axis: 2) }
    try assertGradientsMatch([randomTensor([1, 2, 4, 3], seed: 6)]) { xs in try (xs[0].flipped(axis: 3).flipped(axis: 2) * xs[0]) }
  }

  func testFlipOfAnotherAxisIsAnError() {
    XCTAssertThrowsError(try Tensor.zeros([2, 3, 4, 5]).flipped(axis: 1)) { error in
      XCTAssert("\(error)".contains("flips axis 2 or 3"), "\(error)")
    }
  }
}
