// ×2 upsampling: nearest and bilinear values for a 2 × 3 input derived by hand from PyTorch's
// source-index rule (both align_corners settings), gradient checks, threaded consistency.
import Tensors
import XCTest

final class UpsampleTests: XCTestCase {
  // x = [[1, 2, 3], [4, 5, 6]] as [1, 1, 2, 3].
  let x = try! Tensor(shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])

  func testNearestValues() {
    let y = x.upsampleNearest2x()
    XCTAssertEqual(y.shape, [1, 1, 4, 6])
    XCTAssertEqual(
      y.values,
      [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6])
  }

  func testBilinearHalfPixelCentres() {
    // align_corners = false: src = max(0, (d + ½)/2 − ½). Rows: src 0, .25, .75, 1.25→row 1
    // (clamped neighbour); columns: 0, .25, .75, 1.25, 1.75, 2.25→col 2. Row 0 becomes
    // [1, 1.25, 1.75, 2.25, 2.75, 3]; output row 1 = ¾ row 0 + ¼ row 1 = row 0 + 0.75, etc.
    let expected: [Float] = [
      1, 1.25, 1.75, 2.25, 2.75, 3,
      1.75, 2, 2.5, 3, 3.5, 3.75,
      3.25, 3.5, 4, 4.5, 5, 5.25,
      4, 4.25, 4.75, 5.25, 5.75, 6,
    ]
    let y = x.upsampleBilinear2x(alignCorners: false)
    XCTAssertEqual(y.shape, [1, 1, 4, 6])
    for (a, e) in zip(y.values, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
  }

  func testBilinearAlignCorners() {
    // align_corners = true: rows src = d/3 (0, ⅓, ⅔, 1), columns src = 2d/5 (0, .4, …, 2).
    // Along a row the values step by 1 per source column, between rows by 3 per source row.
    let expected: [Float] = [
      1, 1.4, 1.8, 2.2, 2.6, 3,
      2, 2.4, 2.8, 3.2, 3.6, 4,
      3, 3.4, 3.8, 4.2, 4.6, 5,
      4, 4.4, 4.8, 5.2, 5.6, 6,
    ]
    let y = x.upsampleBilinear2x(alignCorners: true)
    for (a, e) in zip(y.values, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
  }

  func testBilinearMatchesPerPixelFormulaOnOddSizes() throws {
    // Per output pixel, straight from PyTorch's rule (in Double): source coordinate, floor,
    // clamped neighbour, and the four products; compared with the separable kernel.
    let t = randomTensor([2, 3, 5, 7], seed: 4)
    for align in [false, true] {
      let y = t.upsampleBilinear2x(alignCorners: align)
      func source(_ d: Int, _ n: Int) -> (Int, Int, Double) {
        let s = align ? Double(d) * Double(n - 1) / Double(2 * n - 1) : max(0, (Double(d) + 0.5) / 2 - 0.5)
        let lo = min(Int(s), n - 1)
        return (lo, min(lo + 1, n - 1), s - Double(lo))
      }
      for p in 0..<6 {
        for oy in 0..<10 {
          for ox in 0..<14 {
            let (y0, y1, ly) = source(oy, 5)
            let (x0, x1, lx) = source(ox, 7)
            func v(_ yy: Int, _ xx: Int) -> Double { Double(t.data[p * 35 + yy * 7 + xx]) }
            let expected = (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1))
            XCTAssertEqual(Double(y.data[p * 140 + oy * 14 + ox]), expected, accuracy: 1e-5)
          }
        }
      }
    }
  }

  func testGradients() throws {
    let t = randomTensor([2, 3, 5, 4], seed: 1)
    try assertGradientsMatch([t]) { $0[0].upsampleNearest2x() }
    try assertGradientsMatch([t]) { $0[0].upsampleBilinear2x(alignCorners: false) }
    try assertGradientsMatch([t]) { $0[0].upsampleBilinear2x(alignCorners: true) }
    let single = randomTensor([2, 1, 1, 3], seed: 2)  // a one-pixel-high image
    try assertGradientsMatch([single]) { $0[0].upsampleBilinear2x(alignCorners: true) }
  }

  func testLargeThreadedMatchesSinglePlane() throws {
    let t = randomTensor([3, 8, 31, 27], seed: 3)
    for align in [false, true] {
      let all = t.upsampleBilinear2x(alignCorners: align)
      let one = try t.slice(axis: 0, range: 2..<3).slice(axis: 1, range: 5..<6)
      XCTAssertEqual(
        try all.slice(axis: 0, range: 2..<3).slice(axis: 1, range: 5..<6).values,
        one.upsampleBilinear2x(alignCorners: align).values)
    }
  }
}
