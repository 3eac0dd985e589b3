// Blur: the synthetic blur degradation — a random Gaussian, box or camera-shake (motion) kernel
// per image, applied with reflect borders. Kernel sizes suit 128–512 px tiles.
import Foundation
import Tensors

/// Convolves each image with a freshly drawn kernel of one family.
public struct Blur: Degradation {
  /// Kernel families and the ranges their parameters are drawn from.
  public enum Kind: Equatable, Sendable {
    /// Isotropic Gaussian, σ (pixels) uniform in the range; radius ⌈3σ⌉.
    case gaussian(sigma: ClosedRange<Float>)
    /// Square box of odd side uniform in the range.
    case box(size: ClosedRange<Int>)
    /// Camera shake: a random-walk trajectory of the given length (pixels) drawn into the kernel.
    case motion(length: ClosedRange<Float>)
  }

  public let kind: Kind

  public init(_ kind: Kind) { self.kind = kind }

  /// Gaussian σ ∈ [0.5, 3], box side ∈ [3, 11], motion length ∈ [5, 25] px.
  public static let gaussian = Blur(.gaussian(sigma: 0.5...3))
  public static let box = Blur(.box(size: 3...11))
  public static let motion = Blur(.motion(length: 5...25))

  public var name: String {
    switch kind {
    case .gaussian: return "blur:gaussian"
    case .box: return "blur:box"
    case .motion: return "blur:motion"
    }
  }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    kernel(using: &rng).convolve(image)
  }

  /// One random kernel of this family.
  public func kernel(using rng: inout PhiloxRandom) -> BlurKernel {
    switch kind {
    case .gaussian(let range):
      return Blur.gaussianKernel(sigma: rng.uniform(range.lowerBound, range.upperBound.nextUp))
    case .box(let range):
      let sides = stride(from: range.lowerBound | 1, through: range.upperBound, by: 2).map { $0 }
      let side = sides.isEmpty ? (range.lowerBound | 1) : sides[rng.int(below: sides.count)]
      return BlurKernel(size: side, weights: [Float](repeating: 1, count: side * side))
    case .motion(let range):
      return Blur.motionKernel(length: rng.uniform(range.lowerBound, range.upperBound.nextUp), using: &rng)
    }
  }

  /// exp(−(x² + y²) / 2σ²) on a (2⌈3σ⌉ + 1)² grid, normalised.
  static func gaussianKernel(sigma: Float) -> BlurKernel {
    let r = max(1, Int((3 * sigma).rounded(.up))), n = 2 * r + 1
    var w = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        let dy = Float(i - r), dx = Float(j - r)
        w[i * n + j] = exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
      }
    }
    return BlurKernel(size: n, weights: w)
  }

  /// A camera-shake kernel: a path of the given length starting in a random direction whose
  /// heading drifts by small random turns (Boracchi–Foi style), splatted bilinearly, centred on
  /// its centroid and normalised.
  static func motionKernel(length: Float, using rng: inout PhiloxRandom) -> BlurKernel {
    let steps = max(2, Int((length * 2).rounded(.up)))  // half-pixel steps
    var heading = rng.uniform(0, 2 * Float.pi)
    var points: [(Float, Float)] = [(0, 0)]
    var x: Float = 0, y: Float = 0
    for _ in 1..<steps {
      heading += 0.1 * rng.normal()
      x += 0.5 * cos(heading)
      y += 0.5 * sin(heading)
      points.append((x, y))
    }
    let cx = points.reduce(0) { $0 + $1.0 } / Float(points.count)
    let cy = points.reduce(0) { $0 + $1.1 } / Float(points.count)
    let extent = points.reduce(Float(0)) { max($0, abs($1.0 - cx), abs($1.1 - cy)) }
    let r = Int(extent.rounded(.up)) + 1, n = 2 * r + 1
    var w = [Float](repeating: 0, count: n * n)
    for (px, py) in points {
      let fx = px - cx + Float(r), fy = py - cy + Float(r)
      let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
      let ax = fx - Float(x0), ay = fy - Float(y0)
      for (dy, wy) in [(0, 1 - ay), (1, ay)] {
        for (dx, wx) in [(0, 1 - ax), (1, ax)] where y0 + dy < n && x0 + dx < n {
          w[(y0 + dy) * n + x0 + dx] += wy * wx
        }
      }
    }
    return BlurKernel(size: n, weights: w)
  }
}
