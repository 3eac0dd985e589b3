// DegradationTests: AWGN delivers its σ, the camera pipeline's noise grows with the signal and
// keeps the mean, blur kernels are normalised and convolve like the textbook sum, rain only
// brightens, 4× super-resolution averages blocks, names parse and bad names get the list of
// valid ones.
import Foundation
@testable import Shards
import Tensors
import XCTest

final class DegradationTests: XCTestCase {
  /// A smooth colour gradient, `height × width`, values in [0.15, 0.85].
  private func gradient(width: Int, height: Int) -> FloatImage {
    var p = [Float]()
    for y in 0..<height {
      for x in 0..<width {
        let u = Float(x) / Float(width - 1), v = Float(y) / Float(height - 1)
        p += [0.15 + 0.7 * u, 0.15 + 0.7 * v, 0.15 + 0.35 * (u + v)]
      }
    }
    return FloatImage(width: width, height: height, pixels: p)
  }

  private func flat(_ value: Float, width: Int, height: Int) -> FloatImage {
    FloatImage(width: width, height: height, pixels: [Float](repeating: value, count: width * height * 3))
  }

  private func meanAndStd(_ v: [Float]) -> (Float, Float) {
    let m = v.reduce(0, +) / Float(v.count)
    let s = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Float(v.count - 1)).squareRoot()
    return (m, s)
  }

  func testAWGNHasTheRequestedSigma() {
    var rng = PhiloxRandom(seed: 1)
    let clean = gradient(width: 97, height: 61)
    for sigma: Float in [5, 25, 50] {
      let noisy = AWGN(sigma: sigma).apply(clean, using: &rng)
      let (mean, std) = meanAndStd(zip(noisy.pixels, clean.pixels).map { $0 - $1 })
      XCTAssertEqual(std, sigma / 255, accuracy: 0.03 * sigma / 255, "σ=\(sigma)")
      XCTAssertEqual(mean, 0, accuracy: 4 * sigma / 255 / Float(clean.pixels.count).squareRoot())
    }
  }

  func testAWGNRangeDrawsOneSigmaPerImageAcrossTheRange() {
    var rng = PhiloxRandom(seed: 2)
    let clean = flat(0.5, width: 64, height: 48)
    let stds = (0..<40).map { _ in meanAndStd(AWGN(sigma: 0...75).apply(clean, using: &rng).pixels).1 * 255 }
    XCTAssertTrue(stds.allSatisfy { $0 <= 75 * 1.04 })
    XCTAssertLessThan(stds.min()!, 15)
    XCTAssertGreaterThan(stds.max()!, 60)
    XCTAssertEqual(AWGN(sigma: 0...75).name, "awgn:0-75")
    XCTAssertEqual(AWGN(sigma: 25).name, "awgn:25")
  }

  func testSensorNoiseVarianceGrowsWithIntensity() {
    var rng = PhiloxRandom(seed: 3)
    let shot: Float = 0.01, read: Float = 1e-4
    var stds: [Float] = []
    for level: Float in [0.1, 0.4, 0.8] {
      var raw = [Float](repeating: level, count: 20_000)
      CameraPipeline.addSensorNoise(&raw, shot: shot, read: read, using: &rng)
      let (mean, std) = meanAndStd(raw)
      XCTAssertEqual(mean, level, accuracy: 0.005)
      XCTAssertEqual(std * std, shot * level + read, accuracy: 0.06 * (shot * level + read), "level \(level)")
      stds.append(std)
    }
    XCTAssertEqual(stds, stds.sorted())
  }

  func testCameraPipelineNoiseIsSignalDependentEndToEnd() {
    // Without JPEG, undoing the tone curve and gamma on the output's green channel (white-balance
    // gain 1) gives back the demosaiced noisy linear signal.
    let camera = CameraPipeline(shotGain: 0.01...0.01, jpegQuality: nil)
    var variances: [Float] = []
    for level: Float in [0.3, 0.9] {
      var rng = PhiloxRandom(seed: 4)
      let out = camera.apply(flat(level, width: 96, height: 80), using: &rng)
      let green = stride(from: 1, to: out.pixels.count, by: 3).map {
        CameraPipeline.inverseGamma(CameraPipeline.inverseToneCurve(out.pixels[$0]))
      }
      variances.append(pow(meanAndStd(green).1, 2))
    }
    XCTAssertGreaterThan(variances[1], 3 * variances[0], "linear noise variance should grow with the signal: \(variances)")
  }

  func testCameraPipelineChangesTheImageAndKeepsItsMean() {
    var rng = PhiloxRandom(seed: 5)
    let clean = gradient(width: 128, height: 96)
    for camera in [CameraPipeline(), CameraPipeline(jpegQuality: nil)] {
      let out = camera.apply(clean, using: &rng)
      XCTAssertEqual(out.width, clean.width)
      XCTAssertEqual(out.height, clean.height)
      let diff = zip(out.pixels, clean.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(clean.pixels.count)
      XCTAssertGreaterThan(diff, 0.005)
      XCTAssertEqual(meanAndStd(out.pixels).0, meanAndStd(clean.pixels).0, accuracy: 0.03)
      XCTAssertTrue(out.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
  }

  func testToneCurveAndGammaInvert() {
    for y in stride(from: Float(0.01), through: 1, by: 0.07) {
      XCTAssertEqual(CameraPipeline.toneCurve(CameraPipeline.inverseToneCurve(y)), y, accuracy: 1e-5)
      XCTAssertEqual(CameraPipeline.gamma(CameraPipeline.inverseGamma(y)), y, accuracy: 1e-5)
    }
  }

  func testMosaicThenDemosaicKeepsAConstantColour() {
    let colour: [Float] = [0.2, 0.5, 0.7]
    let image = FloatImage(width: 9, height: 7, pixels: (0..<63).flatMap { _ in colour })
    let raw = CameraPipeline.mosaic(image)
    XCTAssertEqual(raw[0], 0.2)
    XCTAssertEqual(raw[1], 0.5)
    XCTAssertEqual(raw[9], 0.5)
    XCTAssertEqual(raw[10], 0.7)
    let back = CameraPipeline.demosaic(raw, width: 9, height: 7)
    for (a, b) in zip(back.pixels, image.pixels) { XCTAssertEqual(a, b, accuracy: 1e-6) }
  }

  func testBlurKernelsSumToOne() {
    var rng = PhiloxRandom(seed: 6)
    for blur in [Blur.gaussian, Blur.box, Blur.motion] {
      for _ in 0..<20 {
        let k = blur.kernel(using: &rng)
        XCTAssertEqual(k.size % 2, 1)
        XCTAssertEqual(k.weights.reduce(0, +), 1, accuracy: 1e-5, blur.name)
        XCTAssertTrue(k.weights.allSatisfy { $0 >= 0 })
        XCTAssertGreaterThan(k.weights.filter { $0 > 0 }.count, 1)
      }
    }
    let box = Blur.box.kernel(using: &rng)
    XCTAssertTrue(box.weights.allSatisfy { abs($0 - box.weights[0]) < 1e-7 })
    let g = Blur.gaussianKernel(sigma: 1.3)
    XCTAssertEqual(g.size, 9)
    XCTAssertEqual(g.weights, g.weights.reversed() as [Float])
  }

  func testConvolutionMatchesTheDirectSumWithReflectBorders() {
    var rng = PhiloxRandom(seed: 7)
    let image = FloatImage(width: 7, height: 5, pixels: (0..<105).map { _ in rng.uniform() })
    let kernel = BlurKernel(size: 5, weights: (0..<25).map { _ in rng.uniform() })
    let out = kernel.convolve(image)
    for y in 0..<5 {
      for x in 0..<7 {
        for c in 0..<3 {
          var s: Float = 0
          for i in 0..<5 {
            for j in 0..<5 {
              // Reflect without repeating the edge: −1 → 1, −2 → 2, h → h − 2, h + 1 → h − 3.
              var sy = y + i - 2, sx = x + j - 2
              sy = sy < 0 ? -sy : (sy >= 5 ? 8 - sy : sy)
              sx = sx < 0 ? -sx : (sx >= 7 ? 12 - sx : sx)
              s += kernel.weights[i * 5 + j] * image.pixels[(sy * 7 + sx) * 3 + c]
            }
          }
          XCTAssertEqual(out.pixels[(y * 7 + x) * 3 + c], s, accuracy: 1e-5)
        }
      }
    }
  }

  func testBlurKeepsAConstantImageAndSmoothsAnEdge() {
    var rng = PhiloxRandom(seed: 8)
    let constant = flat(0.37, width: 33, height: 21)
    for blur in [Blur.gaussian, Blur.box, Blur.motion] {
      for (a, b) in zip(blur.apply(constant, using: &rng).pixels, constant.pixels) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
    let edge = FloatImage(width: 32, height: 8, pixels: (0..<256).flatMap { p -> [Float] in p % 32 < 16 ? [0, 0, 0] : [1, 1, 1] })
    let blurred = Blur.box.apply(edge, using: &rng)
    XCTAssertGreaterThan(blurred.pixels[(4 * 32 + 15) * 3], 0.05)
    XCTAssertLessThan(blurred.pixels[(4 * 32 + 16) * 3], 0.95)
  }

  func testRainOnlyBrightensAndChangesTheImage() {
    var rng = PhiloxRandom(seed: 9)
    let clean = gradient(width: 120, height: 90)
    let rainy = RainStreaks().apply(clean, using: &rng)
    XCTAssertTrue(zip(rainy.pixels, clean.pixels).allSatisfy { $0 >= $1 - 1e-6 && $0 <= 1 })
    let changed = zip(rainy.pixels, clean.pixels).filter { $0 - $1 > 0.05 }.count
    XCTAssertGreaterThan(changed, 100)
    XCTAssertLessThan(changed, clean.pixels.count / 2)
  }

  func testJPEGRoundTripIsCloseButLossy() {
    var rng = PhiloxRandom(seed: 10)
    let clean = gradient(width: 40, height: 24)
    let out = JPEGCompression(quality: 90...90).apply(clean, using: &rng)
    let err = zip(out.pixels, clean.pixels).map { abs($0 - $1) }
    XCTAssertLessThan(err.reduce(0, +) / Float(err.count), 0.02)
    XCTAssertGreaterThan(err.max()!, 0)
  }

  func testRandomnessComesOnlyFromTheStream() {
    let clean = gradient(width: 48, height: 40)
    for name in ["awgn:0-75", "camera", "rain", "blur:motion"] {
      let d = try! degradation(named: name)
      var a = PhiloxRandom(seed: 11), b = PhiloxRandom(seed: 11), c = PhiloxRandom(seed: 12)
      XCTAssertEqual(d.apply(clean, using: &a), d.apply(clean, using: &b), name)
      XCTAssertNotEqual(d.apply(clean, using: &a), d.apply(clean, using: &c), name)
    }
  }

  func testNamesParseAndBadNamesListTheValidOnes() throws {
    for name in ["awgn:25", "awgn:0-75", "camera", "rain", "blur:gaussian", "blur:box", "blur:motion", "jpeg:90", "jpeg:70-95", "sr4:pool", "sr4:bicubic", "blur:i2sb-uniform", "blur:i2sb-gauss", "inpaint:center"] {
      XCTAssertEqual(try degradation(named: name).name, name)
    }
    XCTAssertEqual((try degradation(named: "awgn:0-75") as? AWGN)?.sigma, 0...75)
    for bad in ["awgn", "awgn:x", "awgn:75-0", "blur", "blur:disk", "camera:2", "jpeg:0", "snow", ""] {
      XCTAssertThrowsError(try degradation(named: bad), bad) { error in
        let text = String(describing: error)
        XCTAssertTrue(text.contains("'\(bad)'") && text.contains("blur:motion") && !text.contains("\n"), text)
      }
    }
  }

  /// 4× super-resolution: each 4×4 block holds its mean (a partial block at the edge, the mean of
  /// the pixels it has), the mean of the image is kept, and it draws no randomness.
  func testSuperResolutionAveragesBlocksAndUpsamplesByNearestNeighbour() throws {
    let clean = gradient(width: 10, height: 8)
    var rng = PhiloxRandom(seed: 1)
    let before = rng
    let out = SuperResolution(factor: 4).apply(clean, using: &rng)
    XCTAssertEqual(rng.state, before.state, "a deterministic corruption drew random numbers")
    for (ys, xs) in [(0..<4, 0..<4), (4..<8, 4..<8), (0..<4, 8..<10)] {
      for c in 0..<3 {
        let values = ys.flatMap { y in xs.map { x in clean.pixels[(y * 10 + x) * 3 + c] } }
        let mean = values.reduce(0, +) / Float(values.count)
        for y in ys { for x in xs { XCTAssertEqual(out.pixels[(y * 10 + x) * 3 + c], mean, accuracy: 1e-6) } }
      }
    }
    XCTAssertEqual(out.pixels.reduce(0, +), clean.pixels.reduce(0, +), accuracy: 1e-3)
  }

  /// The bicubic filter is normalised with symmetric padding: a constant image stays constant;
  /// each 4×4 block of the output is one value (nearest-neighbour upsampling).
  func testBicubicSuperResolutionKeepsConstantsAndUpsamplesByBlocks() {
    var rng = PhiloxRandom(seed: 1)
    let constant = SuperResolution(factor: 4, filter: .bicubic).apply(flat(0.4, width: 12, height: 8), using: &rng)
    XCTAssert(constant.pixels.allSatisfy { abs($0 - 0.4) < 1e-5 }, "\(constant.pixels.prefix(6))")
    let out = SuperResolution(factor: 4, filter: .bicubic).apply(gradient(width: 12, height: 8), using: &rng)
    for y in 0..<8 {
      for x in 0..<12 {
        XCTAssertEqual(out.pixels[(y * 12 + x) * 3], out.pixels[((y / 4 * 4) * 12 + x / 4 * 4) * 3])
      }
    }
  }

  /// I2SB's fixed blurs build their 1-D matrices as the authors do: taps c − k/2 … c + k/2 − 1 with
  /// zero padding, so in the interior of a constant image the uniform box keeps (8/9)² of it and
  /// the 5-tap Gaussian the share of its first four taps, squared; at a corner less.
  func testFixedBlursFollowTheAuthorsTapRange() {
    var rng = PhiloxRandom(seed: 1)
    let uniform = FixedBlur(.uniform).apply(flat(1, width: 20, height: 20), using: &rng)
    XCTAssertEqual(uniform.pixels[(10 * 20 + 10) * 3], 64.0 / 81, accuracy: 1e-5)
    XCTAssertLessThan(uniform.pixels[0], 0.5)
    let taps = (-2...2).map { Foundation.exp(-0.5 * pow(Double($0) / 10, 2)) }
    let share = Float(taps.prefix(4).reduce(0, +) / taps.reduce(0, +))
    let gauss = FixedBlur(.gauss).apply(flat(1, width: 20, height: 20), using: &rng)
    XCTAssertEqual(gauss.pixels[(10 * 20 + 10) * 3], share * share, accuracy: 1e-5)
  }

  /// Centre-box inpainting paints rows and columns h/4 ..< 3h/4 white and leaves the rest.
  func testCenterBoxInpaintingWhitensTheMiddle() {
    var rng = PhiloxRandom(seed: 1)
    let clean = gradient(width: 12, height: 8)
    let out = CenterBoxInpainting().apply(clean, using: &rng)
    for y in 0..<8 {
      for x in 0..<12 {
        let inside = (2..<6).contains(y) && (3..<9).contains(x)
        XCTAssertEqual(out.pixels[(y * 12 + x) * 3 + 1], inside ? 1 : clean.pixels[(y * 12 + x) * 3 + 1])
      }
    }
  }
}
