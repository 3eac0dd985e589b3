// Checks im2col against a direct gather, and col2im as its exact adjoint (⟨im2col x, y⟩ =
// ⟨x, col2im y⟩), for every border rule, strides 1 and 2, odd non-square sizes, and bands.
import Kernels
import XCTest

final class Im2colTests: XCTestCase {
  private func randoms(_ n: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<n).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Int(state >> 40) % 2001 - 1000) / 1000
    }
  }

  private func reference(_ rule: BorderRule, _ i: Int, _ size: Int) -> Int {
    if i >= 0 && i < size { return i }
    switch rule {
    case .zeros: return -1
    case .replicate: return min(max(i, 0), size - 1)
    case .reflect: return i < 0 ? -i : 2 * (size - 1) - i
    }
  }

  func testGatherAndAdjointForEveryRuleAndStride() {
    for rule in [BorderRule.zeros, .reflect, .replicate] {
      for (stride, padding, kh, kw) in [(1, 1, 3, 3), (2, 1, 4, 4), (2, 2, 3, 5), (1, 0, 1, 1)] {
        let g = ConvGeometry(channels: 3, height: 7, width: 9, kernelH: kh, kernelW: kw, stride: stride, padding: padding)
        let image = randoms(3 * 7 * 9, seed: 1)
        let bands = [0..<g.outHeight, 0..<(g.outHeight / 2), (g.outHeight / 2)..<g.outHeight]
        for band in bands where !band.isEmpty {
          let n = band.count * g.outWidth
          var cols = [Float](repeating: .nan, count: g.rows * n)
          image.withUnsafeBufferPointer { x in
            cols.withUnsafeMutableBufferPointer { c in
              im2col(g, rule, image: x.baseAddress!, outRows: band, columns: c.baseAddress!, ld: n)
            }
          }
          for r in 0..<g.rows {
            let (c, ki, kj) = (r / (kh * kw), (r / kw) % kh, r % kw)
            for (j, oy) in band.enumerated() {
              for ox in 0..<g.outWidth {
                let sy = reference(rule, oy * stride - padding + ki, 7)
                let sx = reference(rule, ox * stride - padding + kj, 9)
                let want: Float = sy < 0 || sx < 0 ? 0 : image[(c * 7 + sy) * 9 + sx]
                XCTAssertEqual(cols[r * n + j * g.outWidth + ox], want, "\(rule) s\(stride) r\(r) oy\(oy) ox\(ox)")
              }
            }
          }
          let y = randoms(g.rows * n, seed: 2)
          var back = [Float](repeating: 0, count: image.count)
          y.withUnsafeBufferPointer { yc in
            back.withUnsafeMutableBufferPointer { b in
              col2im(g, rule, columns: yc.baseAddress!, ld: n, outRows: band, image: b.baseAddress!)
            }
          }
          let lhs = zip(cols, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
          let rhs = zip(image, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
          XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "\(rule) stride \(stride) band \(band)")
        }
      }
    }
  }
}
