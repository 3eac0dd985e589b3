// ImageQuality: PSNR and SSIM as the paper's evaluation computes them (algorithms.md §1.9).
// Images are first clamped to the valid range and quantised to 8 bit; PSNR and SSIM are then
// computed on the 0–255 scale, either on RGB (SSIM averaged over channels) or on the Y channel
// of YCbCr (BT.601: Y = 16 + 65.481 R + 128.553 G + 24.966 B, RGB in [0, 1]). SSIM uses the
// 11×11 Gaussian window (σ = 1.5), C1 = (0.01·255)², C2 = (0.03·255)², over the valid region
// (the 5-pixel border where the window does not fit is dropped), as Wang et al. and skimage's
// `structural_similarity(gaussian_weights=True, use_sample_covariance=False)`.
import Foundation

/// PSNR and SSIM of one restored image against its ground truth.
public struct ImageQuality: Codable, Equatable, Sendable {
  public var psnrRGB: Double
  public var ssimRGB: Double
  public var psnrY: Double
  public var ssimY: Double

  /// Compares two [3, H, W] float images given as planar arrays in `range` (e.g. 0...1).
  public static func measure(
    _ output: UnsafePointer<Float>, _ target: UnsafePointer<Float>, height: Int, width: Int,
    range: ClosedRange<Float> = 0...1
  ) -> ImageQuality {
    let plane = height * width
    let a = quantised(output, count: 3 * plane, range: range)
    let b = quantised(target, count: 3 * plane, range: range)
    let rgbPSNR = psnr(a, b)
    var rgbSSIM = 0.0
    for c in 0..<3 {
      rgbSSIM += ssim(Array(a[(c * plane)..<((c + 1) * plane)]), Array(b[(c * plane)..<((c + 1) * plane)]), height: height, width: width)
    }
    let ya = luma(a, plane: plane)
    let yb = luma(b, plane: plane)
    return ImageQuality(
      psnrRGB: rgbPSNR, ssimRGB: rgbSSIM / 3, psnrY: psnr(ya, yb), ssimY: ssim(ya, yb, height: height, width: width))
  }

  /// The mean of each figure over `images` (not empty).
  public static func mean(_ images: [ImageQuality]) -> ImageQuality {
    func mean(_ key: KeyPath<ImageQuality, Double>) -> Double { images.reduce(0) { $0 + $1[keyPath: key] } / Double(images.count) }
    return ImageQuality(psnrRGB: mean(\.psnrRGB), ssimRGB: mean(\.ssimRGB), psnrY: mean(\.psnrY), ssimY: mean(\.ssimY))
  }

  /// Clamp to `range`, map to 0–255 and round to integers (kept as Double).
  static func quantised(_ x: UnsafePointer<Float>, count: Int, range: ClosedRange<Float>) -> [Double] {
    let span = range.upperBound - range.lowerBound
    return (0..<count).map { i -> Double in
      let clamped: Float = min(max(x[i], range.lowerBound), range.upperBound)
      let unit = Double((clamped - range.lowerBound) / span)
      return (unit * 255).rounded()
    }
  }

  /// BT.601 luma on the 0–255 scale from planar 8-bit RGB.
  static func luma(_ rgb: [Double], plane: Int) -> [Double] {
    (0..<plane).map { i -> Double in
      let weighted: Double = 65.481 * rgb[i] + 128.553 * rgb[plane + i] + 24.966 * rgb[2 * plane + i]
      return 16 + weighted / 255
    }
  }

  /// 10·log10(255² / MSE); infinite for identical images.
  static func psnr(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in a.indices { sum += (a[i] - b[i]) * (a[i] - b[i]) }
    let mse = sum / Double(a.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
  }

  /// Mean SSIM of one channel over the valid region of an 11×11 Gaussian window (σ 1.5).
  static func ssim(_ a: [Double], _ b: [Double], height: Int, width: Int) -> Double {
    let radius = 5
    guard height > 2 * radius, width > 2 * radius else {
      // Too small for the window: fall back to one global window (documented choice).
      return ssimTerm(mean(a), mean(b), variance(a), variance(b), covariance(a, b))
    }
    var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
    let total = kernel.reduce(0, +)
    kernel = kernel.map { $0 / total }
    // Separable filtering of a, b, a², b², ab over the valid region.
    func filter(_ image: [Double]) -> [Double] {
      let outW = width - 2 * radius
      let outH = height - 2 * radius
      var rows = [Double](repeating: 0, count: height * outW)
      for y in 0..<height {
        for x in 0..<outW {
          var s = 0.0
          for k in 0..<kernel.count { s += kernel[k] * image[y * width + x + k] }
          rows[y * outW + x] = s
        }
      }
      var out = [Double](repeating: 0, count: outH * outW)
      for y in 0..<outH {
        for x in 0..<outW {
          var s = 0.0
          for k in 0..<kernel.count { s += kernel[k] * rows[(y + k) * outW + x] }
          out[y * outW + x] = s
        }
      }
      return out
    }
    let ma = filter(a)
    let mb = filter(b)
    let aa = filter(a.map { $0 * $0 })
    let bb = filter(b.map { $0 * $0 })
    let ab = filter(zip(a, b).map { $0 * $1 })
    var sum = 0.0
    for i in ma.indices {
      sum += ssimTerm(ma[i], mb[i], aa[i] - ma[i] * ma[i], bb[i] - mb[i] * mb[i], ab[i] - ma[i] * mb[i])
    }
    return sum / Double(ma.count)
  }

  private static func ssimTerm(_ ma: Double, _ mb: Double, _ va: Double, _ vb: Double, _ cov: Double) -> Double {
    let c1 = (0.01 * 255) * (0.01 * 255)
    let c2 = (0.03 * 255) * (0.03 * 255)
    return ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
  }

  private static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

  private static func variance(_ x: [Double]) -> Double {
    let m = mean(x)
    return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
  }

  private static func covariance(_ x: [Double], _ y: [Double]) -> Double {
    let mx = mean(x)
    let my = mean(y)
    var s = 0.0
    for i in x.indices { s += (x[i] - mx) * (y[i] - my) }
    return s / Double(x.count)
  }
}
