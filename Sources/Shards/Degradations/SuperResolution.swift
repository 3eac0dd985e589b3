// SuperResolution: I2SB's super-resolution corruption (algorithms.md §4.5): the image is reduced
// by `factor` and upsampled back by nearest neighbour, so the degraded image has the clean one's
// size. "pool": each factor × factor block is replaced by its mean (blocks cut by the image's
// edge average the pixels they have). "bicubic": a separable bicubic filter (a = −0.5, 4·factor
// taps, symmetric padding) sampled every factor pixels, as the authors' SRConv. Deterministic.
import Tensors

/// Downsampling by `factor` with a filter, nearest-neighbour upsampling back.
public struct SuperResolution: Degradation {
  /// How the low-resolution image is formed.
  public enum Filter: String, Sendable {
    case pool, bicubic
  }

  public let factor: Int
  public let filter: Filter

  public init(factor: Int, filter: Filter = .pool) {
    precondition(factor >= 1, "SuperResolution: factor \(factor) must be at least 1")
    self.factor = factor
    self.filter = filter
  }

  public var name: String { "sr\(factor):\(filter.rawValue)" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    switch filter {
    case .pool: return blockMeans(image)
    case .bicubic: return upsample(bicubic.apply(image), to: image)
    }
  }

  /// Each block holds the mean of its pixels.
  func blockMeans(_ image: FloatImage) -> FloatImage {
    let (w, h, f) = (image.width, image.height, factor)
    var out = image.pixels
    for by in stride(from: 0, to: h, by: f) {
      for bx in stride(from: 0, to: w, by: f) {
        let rows = by..<min(by + f, h), columns = bx..<min(bx + f, w)
        let count = Float(rows.count * columns.count)
        for c in 0..<3 {
          var sum: Float = 0
          for y in rows { for x in columns { sum += image.pixels[(y * w + x) * 3 + c] } }
          for y in rows { for x in columns { out[(y * w + x) * 3 + c] = sum / count } }
        }
      }
    }
    return FloatImage(width: w, height: h, pixels: out)
  }

  /// The authors' bicubic downsampling filter: k_i = cubic((i − 2·factor + ½)/factor), normalised.
  var bicubic: SeparableFilter {
    func cubic(_ x: Double, a: Double = -0.5) -> Double {
      let x = abs(x)
      if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
      if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
      return 0
    }
    let taps = (0..<(4 * factor)).map { cubic((Double($0) - Double(2 * factor) + 0.5) / Double(factor)) }
    let sum = taps.reduce(0, +)
    return SeparableFilter(kernel: taps.map { Float($0 / sum) }, stride: factor, padding: .symmetric)
  }

  /// `small` enlarged by nearest neighbour to `like`'s size (edge rows and columns beyond
  /// factor × small repeat the last ones).
  func upsample(_ small: FloatImage, to like: FloatImage) -> FloatImage {
    var out = [Float](repeating: 0, count: like.width * like.height * 3)
    for y in 0..<like.height {
      let sy = min(y / factor, small.height - 1)
      for x in 0..<like.width {
        let sx = min(x / factor, small.width - 1)
        for c in 0..<3 { out[(y * like.width + x) * 3 + c] = small.pixels[(sy * small.width + sx) * 3 + c] }
      }
    }
    return FloatImage(width: like.width, height: like.height, pixels: out)
  }
}
