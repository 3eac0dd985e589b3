// PSNR/SSIM: known values, identity, quantisation, and a cross-check against skimage.
import Foundation
import Trainer
import XCTest

final class ImageQualityTests: XCTestCase {
  /// A smooth test image [3, h, w] in [0, 1] and a copy with a deterministic perturbation.
  private func images(h: Int, w: Int, amplitude: Float) -> ([Float], [Float]) {
    var a = [Float](repeating: 0, count: 3 * h * w)
    var b = a
    for c in 0..<3 {
      for y in 0..<h {
        for x in 0..<w {
          let i = (c * h + y) * w + x
          a[i] = 0.5 + 0.4 * sin(Float(x) * 0.3 + Float(c)) * cos(Float(y) * 0.2)
          b[i] = a[i] + amplitude * sin(Float(i) * 12.9898)
        }
      }
    }
    return (a, b)
  }

  func testIdenticalImagesGiveInfinitePSNRAndUnitSSIM() {
    let (a, _) = images(h: 20, w: 24, amplitude: 0)
    let q = ImageQuality.measure(a, a, height: 20, width: 24)
    XCTAssertEqual(q.psnrRGB, .infinity)
    XCTAssertEqual(q.ssimRGB, 1, accuracy: 1e-12)
    XCTAssertEqual(q.ssimY, 1, accuracy: 1e-12)
  }

  func testPSNROfConstantOffsetIsExact() {
    // Every pixel off by exactly 5/255 after quantisation: MSE = 25, PSNR = 10·log10(255²/25).
    let h = 16, w = 16
    let a = [Float](repeating: 100 / 255, count: 3 * h * w)
    let b = [Float](repeating: 105 / 255, count: 3 * h * w)
    let q = ImageQuality.measure(a, b, height: h, width: w)
    XCTAssertEqual(q.psnrRGB, 10 * log10(255.0 * 255 / 25), accuracy: 1e-9)
  }

  func testOutputsAreClampedBeforeMeasuring() {
    let a = [Float](repeating: 1.7, count: 3 * 12 * 12)
    let b = [Float](repeating: 1, count: 3 * 12 * 12)
    XCTAssertEqual(ImageQuality.measure(a, b, height: 12, width: 12).psnrRGB, .infinity)
  }

  func testSSIMFallsAsNoiseGrows() {
    let (a, small) = images(h: 32, w: 40, amplitude: 0.02)
    let (_, large) = images(h: 32, w: 40, amplitude: 0.1)
    let qs = ImageQuality.measure(small, a, height: 32, width: 40)
    let ql = ImageQuality.measure(large, a, height: 32, width: 40)
    XCTAssertGreaterThan(qs.ssimRGB, ql.ssimRGB)
    XCTAssertGreaterThan(qs.psnrY, ql.psnrY)
  }

  func testMatchesSkimageWhenAvailable() throws {
    let python = "/usr/bin/python3"
    guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no /usr/bin/python3") }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: python)
    probe.arguments = ["-c", "import skimage.metrics, numpy"]
    probe.standardError = FileHandle.nullDevice
    try probe.run()
    probe.waitUntilExit()
    guard probe.terminationStatus == 0 else { throw XCTSkip("skimage not installed (apt-get install python3-skimage)") }

    let h = 30, w = 37
    let (a, b) = images(h: h, w: w, amplitude: 0.05)
    let q = ImageQuality.measure(b, a, height: h, width: w)
    // Same quantisation as ours, then skimage's Gaussian SSIM on each channel, and PSNR.
    let dir = FileManager.default.temporaryDirectory
    let pa = dir.appendingPathComponent("iq-a-\(UUID().uuidString).f32")
    let pb = dir.appendingPathComponent("iq-b-\(UUID().uuidString).f32")
    try a.withUnsafeBytes { try Data($0).write(to: pa) }
    try b.withUnsafeBytes { try Data($0).write(to: pb) }
    let script = """
      import numpy as np, sys
      from skimage.metrics import structural_similarity as ssim, peak_signal_noise_ratio as psnr
      def load(p): return np.round(np.clip(np.fromfile(p, dtype=np.float32).reshape(3, \(h), \(w)).astype(np.float64), 0, 1) * 255)
      t, o = load(sys.argv[1]), load(sys.argv[2])
      s = np.mean([ssim(o[c], t[c], gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255) for c in range(3)])
      print(psnr(t, o, data_range=255), s)
      """
    let run = Process()
    run.executableURL = URL(fileURLWithPath: python)
    run.arguments = ["-c", script, pa.path, pb.path]
    let pipe = Pipe()
    run.standardOutput = pipe
    try run.run()
    run.waitUntilExit()
    let fields = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    XCTAssertEqual(fields.count, 2)
    XCTAssertEqual(q.psnrRGB, fields[0], accuracy: 1e-6)
    XCTAssertEqual(q.ssimRGB, fields[1], accuracy: 1e-6)
  }
}
