// FreeformMask: procedural free-form inpainting masks, our own generator in the spirit of the
// brush-stroke masks of "Free-Form Image Inpainting with Gated Convolution" (Yu et al., ICCV 2019),
// from which I2SB's freeform1020/2030/3040 masks (10–20 %, 20–30 %, 30–40 % of the pixels) were
// drawn and binned by coverage (algorithms.md §4.5; the authors' mask file is not reachable).
// A mask first draws how many pixels it covers, uniformly among the counts inside its range, then
// adds strokes until exactly that many are covered, the last stroke cut short where it gets there:
// the coverage always lies in the range and no stroke is ever rejected. A stroke is a thick
// poly-line of 3–6 vertices: segments of random length whose direction turns by up to ±120° at each
// vertex, one brush radius per stroke, painted as discs every half pixel (round joins and caps).
// Lengths and radii scale with the image's side √(H·W). It lives in Tensors because i2sb (Methods)
// and the converter's degradation (Shards) both draw these masks and Tensors is the lowest target
// both import.
import Foundation

/// Random brush-stroke masks covering a fraction of the image within a given range.
public struct FreeformMask: Equatable, Sendable {
  /// The name I2SB gives the range, e.g. `freeform1020`.
  public let name: String
  /// The fraction of the pixels a mask covers.
  public let coverage: ClosedRange<Double>

  public static let freeform1020 = FreeformMask(name: "freeform1020", coverage: 0.1...0.2)
  public static let freeform2030 = FreeformMask(name: "freeform2030", coverage: 0.2...0.3)
  public static let freeform3040 = FreeformMask(name: "freeform3040", coverage: 0.3...0.4)
  /// The three coverage ranges of I2SB.
  public static let all = [freeform1020, freeform2030, freeform3040]

  /// The mask called `name` (`freeform1020`, `freeform2030`, `freeform3040`), or nil.
  public init?(named name: String) {
    guard let mask = FreeformMask.all.first(where: { $0.name == name }) else { return nil }
    self = mask
  }

  private init(name: String, coverage: ClosedRange<Double>) {
    self.name = name
    self.coverage = coverage
  }

  /// One mask `[1, 1, H, W]`, 1 where a pixel is missing and 0 elsewhere, every draw from `rng`.
  /// Images of fewer than 10 pixels, where no pixel count may fall inside the range, get the
  /// smallest count above its lower end.
  public func draw(height: Int, width: Int, using rng: inout PhiloxRandom) -> Tensor {
    let mask = Tensor.zeros([1, 1, height, width])
    let n = height * width
    let low = Int((coverage.lowerBound * Double(n)).rounded(.up)), high = Int((coverage.upperBound * Double(n)).rounded(.down))
    var canvas = StrokeCanvas(mask: mask.data, width: width, height: height, target: low + rng.int(below: max(high - low, 0) + 1))
    let side = Float(n).squareRoot()
    while !canvas.isFull {
      let vertices = 3 + rng.int(below: 4)
      let radius = max(0.75, side * rng.uniform(0.02, 0.06))
      var (x, y) = (rng.uniform(0, Float(width)), rng.uniform(0, Float(height)))
      var angle = rng.uniform(0, 2 * Float.pi)
      for _ in 1..<vertices where !canvas.isFull {
        let length = side * rng.uniform(0.08, 0.25)
        let (nx, ny) = (x + length * Foundation.cos(angle), y + length * Foundation.sin(angle))
        canvas.paintSegment(from: (x, y), to: (nx, ny), radius: radius)
        (x, y) = (nx, ny)
        angle += rng.uniform(-2 * Float.pi / 3, 2 * Float.pi / 3)
      }
    }
    return mask
  }
}

/// A mask being painted, which takes no more pixels once `target` are covered.
private struct StrokeCanvas {
  let mask: UnsafeMutablePointer<Float>
  let width: Int
  let height: Int
  let target: Int
  var covered = 0

  var isFull: Bool { covered >= target }

  /// Discs of `radius` every half pixel from `a` to `b` (both included): the pixels whose centres
  /// lie within `radius` of the segment, in order along it.
  mutating func paintSegment(from a: (Float, Float), to b: (Float, Float), radius: Float) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1)
    let stamps = Int(((dx * dx + dy * dy).squareRoot() * 2).rounded(.up))
    for k in 0...stamps where !isFull {
      let t = stamps == 0 ? 0 : Float(k) / Float(stamps)
      paintDisc(x: a.0 + t * dx, y: a.1 + t * dy, radius: radius)
    }
  }

  /// The pixels whose centres lie within `radius` of (x, y), row by row.
  mutating func paintDisc(x: Float, y: Float, radius: Float) {
    let (top, bottom) = (max(0, Int((y - radius - 0.5).rounded(.up))), min(height - 1, Int((y + radius - 0.5).rounded(.down))))
    let (left, right) = (max(0, Int((x - radius - 0.5).rounded(.up))), min(width - 1, Int((x + radius - 0.5).rounded(.down))))
    guard top <= bottom, left <= right else { return }
    for py in top...bottom {
      for px in left...right where !isFull {
        let (ox, oy) = (Float(px) + 0.5 - x, Float(py) + 0.5 - y)
        let i = py * width + px
        guard ox * ox + oy * oy <= radius * radius, mask[i] == 0 else { continue }
        mask[i] = 1
        covered += 1
      }
    }
  }
}
