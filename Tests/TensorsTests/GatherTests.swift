// Per-sample gather along the batch axis: values, repeated indices, gradient check, errors.
import Tensors
import XCTest

final class GatherTests: XCTestCase {
  func testGatherValuesWithRepeats() throws {
    let x = try Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
    let y = try x.gather(batch: [2, 0, 2, 1])
    XCTAssertEqual(y.shape, [4, 2])
    XCTAssertEqual(y.values, [5, 6, 1, 2, 5, 6, 3, 4])
  }

  func testGatherGradientScatterAdds() throws {
    let x = randomTensor([4, 3, 5, 7], seed: 1)
    // Sample 1 read twice, sample 3 never: its gradient must stay zero.
    try assertGradientsMatch([x]) { xs in try xs[0].gather(batch: [1, 0, 1, 2, 0]) }
    XCTAssertEqual(x.grad!.values[(3 * 105)...].allSatisfy { $0 == 0 }, true)
  }

  func testLargeGatherMatchesSlices() throws {
    let x = randomTensor([5, 17, 31, 29], seed: 2)
    let idx = [4, 1, 1, 3, 0, 2]
    let y = try x.gather(batch: idx)
    for (i, j) in idx.enumerated() {
      XCTAssertEqual(try y.slice(axis: 0, range: i..<(i + 1)).values, try x.slice(axis: 0, range: j..<(j + 1)).values)
    }
  }

  func testIndexOutOfRange() {
    let x = Tensor.zeros([3, 2])
    XCTAssertThrowsError(try x.gather(batch: [0, 3])) { error in
      XCTAssertEqual("\(error)", "gather: index 3 outside the batch 0..<3 of shape [3, 2]")
    }
    XCTAssertThrowsError(try x.gather(batch: [-1]))
  }
}
