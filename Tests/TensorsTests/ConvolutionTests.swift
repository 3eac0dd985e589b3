// conv2d and convTranspose2d: values against direct loops in Double, output sizes as PyTorch,
// gradients against finite differences (kernels 3, 1 and 4×4/2, every padding mode, groups 2
// and depthwise, with and without bias, odd non-square sizes, batch 2), and argument errors.
import Tensors
import XCTest

final class ConvolutionTests: XCTestCase {
  // MARK: References

  /// conv2d by direct summation in Double (PyTorch semantics).
  private func directConv(
    _ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int, mode: PaddingMode, groups: Int
  ) -> (shape: [Int], values: [Double]) {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1
    let og = cout / groups
    var out = [Double](repeating: 0, count: n * cout * oh * ow)
    for b0 in 0..<n {
      for co in 0..<cout {
        let grp = co / og
        for oy in 0..<oh {
          for ox in 0..<ow {
            var acc = b.map { Double($0.data[co]) } ?? 0
            for c in 0..<cg {
              let ci = grp * cg + c
              for ki in 0..<kh {
                for kj in 0..<kw {
                  guard let sy = mode.sourceIndex(oy * s - p + ki, size: h),
                    let sx = mode.sourceIndex(ox * s - p + kj, size: wd)
                  else { continue }
                  acc += Double(x.data[((b0 * cin + ci) * h + sy) * wd + sx]) * Double(w.data[((co * cg + c) * kh + ki) * kw + kj])
                }
              }
            }
            out[((b0 * cout + co) * oh + oy) * ow + ox] = acc
          }
        }
      }
    }
    return ([n, cout, oh, ow], out)
  }

  /// convTranspose2d by direct scattering in Double (PyTorch semantics).
  private func directConvTranspose(
    _ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int, outputPadding op: Int, groups: Int
  ) -> (shape: [Int], values: [Double]) {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (og, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
    let cout = og * groups, ig = cin / groups
    let oh = (h - 1) * s - 2 * p + kh + op, ow = (wd - 1) * s - 2 * p + kw + op
    var out = [Double](repeating: 0, count: n * cout * oh * ow)
    for b0 in 0..<n {
      for co in 0..<cout {
        for i in 0..<(oh * ow) { out[(b0 * cout + co) * oh * ow + i] = b.map { Double($0.data[co]) } ?? 0 }
      }
      for ci in 0..<cin {
        let grp = ci / ig
        for iy in 0..<h {
          for ix in 0..<wd {
            let v = Double(x.data[((b0 * cin + ci) * h + iy) * wd + ix])
            for c in 0..<og {
              for ki in 0..<kh {
                for kj in 0..<kw {
                  let y = iy * s - p + ki, xx = ix * s - p + kj
                  guard y >= 0, y < oh, xx >= 0, xx < ow else { continue }
                  out[((b0 * cout + grp * og + c) * oh + y) * ow + xx] += v * Double(w.data[((ci * og + c) * kh + ki) * kw + kj])
                }
              }
            }
          }
        }
      }
    }
    return ([n, cout, oh, ow], out)
  }

  private func assertClose(_ y: Tensor, _ ref: (shape: [Int], values: [Double]), _ what: String) {
    XCTAssertEqual(y.shape, ref.shape, what)
    guard y.shape == ref.shape else { return }
    for i in 0..<y.count {
      XCTAssertEqual(Double(y.data[i]), ref.values[i], accuracy: 1e-4 * max(1, abs(ref.values[i])), "\(what) element \(i)")
    }
  }

  // MARK: Values

  func testConv2dMatchesDirectLoops() throws {
    // (x shape, weight shape, stride, padding, mode, groups, bias)
    let cases: [([Int], [Int], Int, Int, PaddingMode, Int, Bool)] = [
      ([2, 3, 9, 7], [5, 3, 3, 3], 1, 1, .zeros, 1, true),
      ([2, 3, 9, 7], [4, 3, 3, 3], 2, 2, .reflect, 1, false),
      ([2, 4, 8, 11], [6, 2, 4, 4], 2, 1, .replicate, 2, true),
      ([2, 4, 6, 5], [4, 1, 3, 3], 1, 1, .reflect, 4, true),
      ([2, 6, 5, 7], [3, 6, 1, 1], 1, 0, .zeros, 1, true),
      ([2, 3, 7, 7], [2, 3, 1, 3], 2, 0, .zeros, 1, false),
      ([1, 3, 9, 7], [5, 3, 3, 3], 1, 1, .reflect, 1, true),
      // More channels, non-square kernels, padding beyond the kernel's reach.
      ([2, 16, 9, 7], [5, 16, 3, 3], 1, 1, .zeros, 1, true),
      ([1, 16, 6, 11], [4, 16, 2, 3], 1, 2, .reflect, 1, false),
      ([2, 32, 5, 8], [6, 16, 3, 3], 1, 0, .replicate, 2, true),
      ([3, 16, 4, 3], [3, 16, 5, 5], 1, 2, .replicate, 1, true),
    ]
    for (k, (xs, ws, s, p, mode, groups, hasBias)) in cases.enumerated() {
      let x = randomTensor(xs, seed: UInt64(10 + k))
      let w = randomTensor(ws, seed: UInt64(20 + k))
      let b = hasBias ? randomTensor([ws[0]], seed: UInt64(30 + k)) : nil
      let y = try conv2d(x, weight: w, bias: b, stride: s, padding: p, paddingMode: mode, groups: groups)
      assertClose(y, directConv(x, w, b, stride: s, padding: p, mode: mode, groups: groups), "case \(k)")
    }
  }

  func testConv2dBandsMatchDirectLoops() throws {
    // Large enough that the column matrix is split into several bands of output rows at
    // strides 1 and 2; batch 1 runs the images one after another on threaded kernels, batch 2
    // one image per thread.
    for batch in [1, 2] {
      for stride in [1, 2] {
        let x = randomTensor([batch, 64, 130, 33], seed: 3)
        let w = randomTensor([4, 64, 3, 3], in: -0.1...0.1, seed: 4)
        let y = try conv2d(x, weight: w, bias: nil, stride: stride, padding: 1, paddingMode: .replicate)
        assertClose(
          y, directConv(x, w, nil, stride: stride, padding: 1, mode: .replicate, groups: 1),
          "banded, batch \(batch), stride \(stride)")
      }
    }
  }

  func testSingleImageBandsMatchBatchedBackward() throws {
    // Batch 1 spreads the bands of one image over the threads (col2im in two phases, even
    // bands then odd); batch 2 gives each thread a whole image. Both must give the same
    // gradients for the same image, at every element, band borders included.
    for mode in PaddingMode.allCases {
      for (stride, kernel) in [(1, 3), (2, 3), (1, 1)] {
        let (c, h, w) = kernel == 1 ? (16, 300, 64) : (64, 61 * stride, 16)
        let single = randomTensor([1, c, h, w], seed: 5)
        let pair = try Tensor(shape: [2, c, h, w], values: single.values + single.values)
        let weight = randomTensor([3, c, kernel, kernel], in: -0.1...0.1, seed: 6)
        let padding = kernel / 2
        var grads: [(x: [Float], w: [Float])] = []
        for x in [single, pair] {
          x.requiresGrad = true
          weight.requiresGrad = true
          weight.grad = nil
          let y = try conv2d(x, weight: weight, bias: nil, stride: stride, padding: padding, paddingMode: mode)
          let dy = randomTensor([1] + Array(y.shape.dropFirst()), seed: 7)
          let dyAll = x.shape[0] == 1 ? dy : try Tensor(shape: y.shape, values: dy.values + dy.values)
          try y.backward(gradient: dyAll)
          grads.append((Array(x.grad!.values.prefix(single.count)), weight.grad!.values))
        }
        for i in 0..<single.count {
          XCTAssertEqual(grads[0].x[i], grads[1].x[i], accuracy: 1e-4, "\(mode) s\(stride) k\(kernel) dX[\(i)]")
        }
        for i in 0..<weight.count {
          XCTAssertEqual(
            2 * grads[0].w[i], grads[1].w[i], accuracy: 1e-4 * max(1, abs(grads[1].w[i])),
            "\(mode) s\(stride) k\(kernel) dW[\(i)]")
        }
      }
    }
  }

  func testConvTranspose2dMatchesDirectLoops() throws {
    // (x shape, weight shape, stride, padding, outputPadding, groups, bias)
    let cases: [([Int], [Int], Int, Int, Int, Int, Bool)] = [
      ([2, 4, 5, 3], [4, 3, 3, 3], 2, 1, 1, 1, true),
      ([2, 4, 5, 6], [4, 2, 4, 4], 2, 1, 0, 2, false),
      ([2, 3, 4, 5], [3, 5, 1, 1], 1, 0, 0, 1, true),
      ([2, 2, 3, 4], [2, 3, 3, 2], 3, 0, 2, 1, true),
    ]
    for (k, (xs, ws, s, p, op, groups, hasBias)) in cases.enumerated() {
      let x = randomTensor(xs, seed: UInt64(40 + k))
      let w = randomTensor(ws, seed: UInt64(50 + k))
      let b = hasBias ? randomTensor([ws[1] * groups], seed: UInt64(60 + k)) : nil
      let y = try convTranspose2d(x, weight: w, bias: b, stride: s, padding: p, outputPadding: op, groups: groups)
      assertClose(y, directConvTranspose(x, w, b, stride: s, padding: p, outputPadding: op, groups: groups), "case \(k)")
    }
  }

  // MARK: Gradients

  private func checkConv(
    _ xs: [Int], _ ws: [Int], bias: Bool, stride: Int = 1, padding: Int = 0, mode: PaddingMode = .zeros,
    groups: Int = 1, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    var inputs = [randomTensor(xs, seed: 1), randomTensor(ws, seed: 2)]
    if bias { inputs.append(randomTensor([ws[0]], seed: 3)) }
    try assertGradientsMatch(inputs, file: file, line: line) { t in
      try conv2d(
        t[0], weight: t[1], bias: t.count > 2 ? t[2] : nil, stride: stride, padding: padding, paddingMode: mode,
        groups: groups)
    }
  }

  func testConv2dKernel3Gradients() throws {
    try checkConv([2, 3, 7, 5], [4, 3, 3, 3], bias: true, padding: 1)
    try checkConv([2, 3, 7, 5], [4, 3, 3, 3], bias: false, padding: 0)
  }

  func testConv2dKernel1Gradients() throws {
    try checkConv([2, 5, 3, 7], [4, 5, 1, 1], bias: true)
    try checkConv([2, 5, 3, 7], [4, 5, 1, 1], bias: false, stride: 2)
  }

  func testConv2dKernel4Stride2Gradients() throws {
    try checkConv([2, 3, 9, 7], [4, 3, 4, 4], bias: true, stride: 2, padding: 1)
  }

  func testConv2dPaddingModeGradients() throws {
    for mode in PaddingMode.allCases {
      try checkConv([2, 2, 7, 5], [3, 2, 3, 3], bias: true, padding: 1, mode: mode)
      try checkConv([2, 2, 7, 5], [3, 2, 3, 3], bias: false, stride: 2, padding: 2, mode: mode)
    }
  }

  func testConv2dNonSquareKernelGradients() throws {
    try checkConv([2, 3, 5, 6], [3, 3, 2, 3], bias: false, padding: 0)
    try checkConv([2, 4, 5, 4], [4, 2, 3, 2], bias: true, padding: 2, mode: .reflect, groups: 2)
  }

  func testConv2dGroupedAndDepthwiseGradients() throws {
    try checkConv([2, 4, 7, 5], [6, 2, 3, 3], bias: false, padding: 1, groups: 2)
    try checkConv([2, 3, 6, 5], [3, 1, 3, 3], bias: true, padding: 1, mode: .reflect, groups: 3)
  }

  private func checkTranspose(
    _ xs: [Int], _ ws: [Int], bias: Bool, stride: Int, padding: Int, outputPadding: Int, groups: Int = 1,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    var inputs = [randomTensor(xs, seed: 4), randomTensor(ws, seed: 5)]
    if bias { inputs.append(randomTensor([ws[1] * groups], seed: 6)) }
    try assertGradientsMatch(inputs, file: file, line: line) { t in
      try convTranspose2d(
        t[0], weight: t[1], bias: t.count > 2 ? t[2] : nil, stride: stride, padding: padding,
        outputPadding: outputPadding, groups: groups)
    }
  }

  func testConvTranspose2dGradients() throws {
    try checkTranspose([2, 4, 5, 3], [4, 3, 3, 3], bias: true, stride: 2, padding: 1, outputPadding: 1)
    try checkTranspose([2, 4, 3, 5], [4, 2, 4, 4], bias: false, stride: 2, padding: 1, outputPadding: 0, groups: 2)
    try checkTranspose([2, 3, 4, 5], [3, 2, 1, 1], bias: true, stride: 1, padding: 0, outputPadding: 0)
  }

  // MARK: Winograd F(2×2, 3×3)

  func testWinogradMatchesDirectLoops() throws {
    // Even and odd sizes (the last tile row/column half outside), one-pixel planes, with and
    // without bias, more output than input channels and the reverse.
    let cases: [([Int], Int, Bool)] = [
      ([2, 3, 9, 7], 5, true), ([1, 16, 8, 8], 4, false), ([3, 5, 1, 1], 2, true), ([2, 4, 2, 5], 9, true),
      ([1, 32, 16, 16], 32, true),
    ]
    for (k, (xs, cout, hasBias)) in cases.enumerated() {
      let x = randomTensor(xs, seed: UInt64(70 + k))
      let w = randomTensor([cout, xs[1], 3, 3], seed: UInt64(80 + k))
      let b = hasBias ? randomTensor([cout], seed: UInt64(90 + k)) : nil
      let y = try conv2d(x, weight: w, bias: b, padding: 1, algorithm: .winograd)
      assertClose(y, directConv(x, w, b, stride: 1, padding: 1, mode: .zeros, groups: 1), "Winograd case \(k)")
    }
  }

  func testWinogradGradients() throws {
    for xs in [[2, 3, 7, 5], [1, 2, 4, 4], [1, 2, 1, 3]] {
      let inputs = [randomTensor(xs, seed: 1), randomTensor([4, xs[1], 3, 3], seed: 2), randomTensor([4], seed: 3)]
      try assertGradientsMatch(inputs) { t in try conv2d(t[0], weight: t[1], bias: t[2], padding: 1, algorithm: .winograd) }
    }
  }

  func testWinogradGradientsEqualIm2col() throws {
    // The two lowerings are the same linear map: all three gradients agree at every element.
    let x = randomTensor([4, 24, 13, 10], seed: 11)
    let w = randomTensor([20, 24, 3, 3], in: -0.2...0.2, seed: 12)
    let b = randomTensor([20], seed: 13)
    let dy = randomTensor([4, 20, 13, 10], seed: 14)
    var results: [[[Float]]] = []
    for algorithm in [ConvolutionAlgorithm.im2col, .winograd] {
      for t in [x, w, b] {
        t.requiresGrad = true
        t.grad = nil
      }
      let y = try conv2d(x, weight: w, bias: b, padding: 1, algorithm: algorithm)
      try y.backward(gradient: dy)
      results.append([y.values, x.grad!.values, w.grad!.values, b.grad!.values])
    }
    for (name, (a, c)) in zip(["y", "dX", "dW", "db"], zip(results[0], results[1])) {
      for i in 0..<a.count {
        XCTAssertEqual(a[i], c[i], accuracy: 2e-4 * max(1, abs(a[i])), "\(name)[\(i)]")
      }
    }
  }

  func testWinogradRejectsOtherConvolutions() {
    let x = randomTensor([1, 2, 6, 6], seed: 1)
    for (w, stride, padding, mode, groups) in [
      (randomTensor([2, 2, 3, 3], seed: 2), 2, 1, PaddingMode.zeros, 1),
      (randomTensor([2, 2, 3, 3], seed: 2), 1, 1, .reflect, 1),
      (randomTensor([2, 2, 3, 3], seed: 2), 1, 0, .zeros, 1),
      (randomTensor([2, 1, 3, 3], seed: 2), 1, 1, .zeros, 2),
      (randomTensor([2, 2, 1, 1], seed: 2), 1, 1, .zeros, 1),
    ] {
      XCTAssertThrowsError(
        try conv2d(x, weight: w, bias: nil, stride: stride, padding: padding, paddingMode: mode, groups: groups, algorithm: .winograd)
      ) { error in XCTAssertTrue("\(error)".contains("Winograd needs a 3×3 kernel"), "\(error)") }
    }
  }

  // MARK: Errors

  func testArgumentErrors() {
    let x = randomTensor([1, 4, 5, 6], seed: 1)
    XCTAssertThrowsError(try conv2d(x, weight: randomTensor([2, 3, 3, 3], seed: 2), bias: nil)) { error in
      XCTAssertTrue("\(error)".contains("conv2d"), "\(error)")
    }
    XCTAssertThrowsError(
      try conv2d(x, weight: randomTensor([2, 4, 3, 3], seed: 2), bias: nil, padding: 5, paddingMode: .reflect))
    XCTAssertThrowsError(try conv2d(x, weight: randomTensor([2, 4, 3, 3], seed: 2), bias: randomTensor([3], seed: 3)))
    XCTAssertThrowsError(try conv2d(x, weight: randomTensor([3, 2, 3, 3], seed: 2), bias: nil, groups: 2))
    XCTAssertThrowsError(try conv2d(x, weight: randomTensor([2, 4, 7, 3], seed: 2), bias: nil))
    XCTAssertThrowsError(
      try convTranspose2d(x, weight: randomTensor([4, 2, 3, 3], seed: 2), bias: nil, stride: 2, outputPadding: 2))
    XCTAssertThrowsError(try convTranspose2d(x, weight: randomTensor([3, 2, 3, 3], seed: 2), bias: nil))
  }
}
