// RainStreaks: synthetic rain — thin, bright, slanted streaks of random density, length and
// opacity drawn into a layer and screen-blended over the image (Rain100/Rain13K look).
import Foundation
import Tensors

/// Draws a field of parallel-ish streaks (one dominant angle per image, a little jitter per
/// streak) and blends them in: out = 1 − (1 − x)(1 − a·s).
public struct RainStreaks: Degradation {
  /// Streaks per 10 000 pixels.
  public let density: ClosedRange<Float>
  /// Streak length in pixels.
  public let length: ClosedRange<Float>
  /// Angle from vertical, degrees.
  public let angle: ClosedRange<Float>
  /// Streak opacity.
  public let opacity: ClosedRange<Float>

  public init(density: ClosedRange<Float> = 4...20, length: ClosedRange<Float> = 10...40,
              angle: ClosedRange<Float> = -30...30, opacity: ClosedRange<Float> = 0.5...0.9) {
    self.density = density
    self.length = length
    self.angle = angle
    self.opacity = opacity
  }

  public var name: String { "rain" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    let layer = streakLayer(width: image.width, height: image.height, using: &rng)
    var out = image
    for p in 0..<layer.count {
      if layer[p] == 0 { continue }
      let s = min(layer[p], 1)
      for c in 0..<3 { out.pixels[p * 3 + c] = 1 - (1 - out.pixels[p * 3 + c]) * (1 - s) }
    }
    return out
  }

  /// The streak layer (`height × width`, ≥ 0, clipped to 1 when blended): each streak a segment
  /// deposited at half-pixel steps, brightest in its middle; crossing streaks add up.
  func streakLayer(width: Int, height: Int, using rng: inout PhiloxRandom) -> [Float] {
    var layer = [Float](repeating: 0, count: width * height)
    let count = Int((rng.uniform(density.lowerBound, density.upperBound) * Float(width * height) / 10_000).rounded())
    let baseAngle = rng.uniform(angle.lowerBound, angle.upperBound) * Float.pi / 180
    for _ in 0..<count {
      let theta = baseAngle + 0.05 * rng.normal()
      let len = rng.uniform(length.lowerBound, length.upperBound)
      let alpha = rng.uniform(opacity.lowerBound, opacity.upperBound)
      let x0 = rng.uniform(0, Float(width)), y0 = rng.uniform(-len, Float(height))
      let dx = sin(theta), dy = cos(theta)
      let steps = Int(len * 2)
      for k in 0...steps {
        let t = Float(k) / Float(max(steps, 1))
        let weight = 0.5 * alpha * sin(Float.pi * t)  // two deposits per pixel of length; tapered ends
        RainStreaks.splat(&layer, width: width, height: height, x: x0 + t * len * dx, y: y0 + t * len * dy, weight: weight)
      }
    }
    return layer
  }

  /// Adds `weight` at (x, y), spread over the four nearest pixels with bilinear weights.
  private static func splat(_ layer: inout [Float], width: Int, height: Int, x: Float, y: Float, weight: Float) {
    let xf = x.rounded(.down), yf = y.rounded(.down)
    let ax = x - xf, ay = y - yf
    let xi = Int(xf), yi = Int(yf)
    for (oy, wy) in [(0, 1 - ay), (1, ay)] {
      for (ox, wx) in [(0, 1 - ax), (1, ax)] {
        let px = xi + ox, py = yi + oy
        guard px >= 0, px < width, py >= 0, py < height else { continue }
        let i = py * width + px
        layer[i] += weight * wy * wx
      }
    }
  }
}
