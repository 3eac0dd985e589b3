// CameraPipeline: a synthetic "real-world" camera domain. An sRGB image is unprocessed to linear
// raw (Brooks et al., "Unprocessing Images for Learned Raw Denoising", CVPR 2019): inverse tone
// curve, inverse gamma, inverse white balance, RGGB Bayer mosaic; then sensor noise with random
// gains; then processed back: bilinear demosaic, white balance, gamma, tone curve, and optionally
// JPEG. The noise is signal-dependent and spatially correlated by demosaicing, unlike AWGN.
import Foundation
import Tensors

/// Unprocess → Poisson–Gaussian sensor noise → reprocess (→ JPEG), all parameters drawn per image.
public struct CameraPipeline: Degradation {
  /// Range of the shot-noise gain (variance per unit of linear signal), sampled log-uniformly.
  public let shotGain: ClosedRange<Float>
  /// JPEG quality range, or nil for no compression.
  public let jpegQuality: ClosedRange<Int>?

  /// Brooks et al.'s shot-noise range [1e-4, 1.2e-2] and JPEG quality 70–95 by default.
  public init(shotGain: ClosedRange<Float> = 1e-4...1.2e-2, jpegQuality: ClosedRange<Int>? = 70...95) {
    precondition(shotGain.lowerBound > 0, "CameraPipeline: shot gain must be positive")
    self.shotGain = shotGain
    self.jpegQuality = jpegQuality
  }

  public var name: String { "camera" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    let redGain = rng.uniform(1.9, 2.4), blueGain = rng.uniform(1.5, 1.9)
    let gains: [Float] = [redGain, 1, blueGain]
    let (shot, read) = drawNoiseLevels(using: &rng)
    // Unprocess: sRGB → linear camera RGB with white balance undone.
    var linear = image
    for i in 0..<linear.pixels.count {
      linear.pixels[i] = CameraPipeline.inverseGamma(CameraPipeline.inverseToneCurve(linear.pixels[i])) / gains[i % 3]
    }
    var raw = CameraPipeline.mosaic(linear)
    CameraPipeline.addSensorNoise(&raw, shot: shot, read: read, using: &rng)
    var rgb = CameraPipeline.demosaic(raw, width: image.width, height: image.height)
    for i in 0..<rgb.pixels.count {
      let balanced = min(max(rgb.pixels[i] * gains[i % 3], 0), 1)
      rgb.pixels[i] = CameraPipeline.toneCurve(CameraPipeline.gamma(balanced))
    }
    guard let jpegQuality else { return rgb }
    return JPEGCompression(quality: jpegQuality).apply(rgb, using: &rng)
  }

  /// Shot gain log-uniform in `shotGain`; read variance from Brooks et al.'s fit
  /// log(read) = 2.18·log(shot) + 1.20 + N(0, 0.26²).
  func drawNoiseLevels(using rng: inout PhiloxRandom) -> (shot: Float, read: Float) {
    let logShot = rng.uniform(log(shotGain.lowerBound), log(shotGain.upperBound).nextUp)
    let logRead = 2.18 * logShot + 1.20 + 0.26 * rng.normal()
    return (exp(logShot), exp(logRead))
  }

  /// Poisson–Gaussian sensor noise in its heteroscedastic Gaussian form: each raw value x becomes
  /// x + N(0, shot·x + read), then clipped to the sensor's [0, 1] (variance grows with the signal).
  static func addSensorNoise(_ raw: inout [Float], shot: Float, read: Float, using rng: inout PhiloxRandom) {
    for i in 0..<raw.count {
      let x = raw[i]
      raw[i] = min(max(x + (shot * max(x, 0) + read).squareRoot() * rng.normal(), 0), 1)
    }
  }

  /// The single-plane RGGB raw of a linear RGB image: R at (even, even), G at (even, odd) and
  /// (odd, even), B at (odd, odd); `height × width` values, row-major.
  static func mosaic(_ image: FloatImage) -> [Float] {
    var raw = [Float](repeating: 0, count: image.width * image.height)
    for y in 0..<image.height {
      for x in 0..<image.width {
        raw[y * image.width + x] = image.pixels[(y * image.width + x) * 3 + bayerChannel(y: y, x: x)]
      }
    }
    return raw
  }

  /// 0, 1, 2 for the R, G, B site of an RGGB mosaic.
  @inline(__always)
  static func bayerChannel(y: Int, x: Int) -> Int { (y & 1) + (x & 1) }

  /// Bilinear demosaic: each channel's samples are interpolated from its neighbours with the
  /// kernels [0 1 0; 1 4 1; 0 1 0]/4 (G) and [1 2 1; 2 4 2; 1 2 1]/4 (R, B). Reflect borders keep
  /// the Bayer phase, so the kernels stay exact at the edges.
  static func demosaic(_ raw: [Float], width: Int, height: Int) -> FloatImage {
    var sparse = [Float](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width { sparse[(y * width + x) * 3 + bayerChannel(y: y, x: x)] = raw[y * width + x] }
    }
    let planes = FloatImage(width: width, height: height, pixels: sparse)
    // BlurKernel normalises to sum 1: the G kernel sums to 2 and the R/B kernel to 4 before that.
    let green = BlurKernel(size: 3, weights: [0, 1, 0, 1, 4, 1, 0, 1, 0]).convolve(planes)
    let redBlue = BlurKernel(size: 3, weights: [1, 2, 1, 2, 4, 2, 1, 2, 1]).convolve(planes)
    var out = sparse
    for p in 0..<(width * height) {
      out[p * 3] = 4 * redBlue.pixels[p * 3]
      out[p * 3 + 1] = 2 * green.pixels[p * 3 + 1]
      out[p * 3 + 2] = 4 * redBlue.pixels[p * 3 + 2]
    }
    return FloatImage(width: width, height: height, pixels: out)
  }

  /// The global tone curve 3x² − 2x³ (smoothstep) and its inverse on [0, 1].
  static func toneCurve(_ x: Float) -> Float { x * x * (3 - 2 * x) }
  static func inverseToneCurve(_ y: Float) -> Float {
    let c = min(max(y, 0), 1)
    return 0.5 - sin(asin(1 - 2 * c) / 3)
  }

  /// Display gamma 1/2.2 and its inverse (with a small floor so the derivative stays finite).
  static func gamma(_ x: Float) -> Float { pow(max(x, 1e-8), 1 / 2.2) }
  static func inverseGamma(_ y: Float) -> Float { pow(max(y, 1e-8), 2.2) }
}
