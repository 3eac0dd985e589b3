// SuperResolution: I2SB's super-resolution corruption (algorithms.md §4.5, "pool" filter): each
// factor × factor block is replaced by its mean (the low-resolution image), then upsampled back
// by nearest neighbour, so the degraded image has the clean one's size. Blocks cut by the
// image's edge average the pixels they have. Deterministic.
import Tensors

/// Block-average downsampling by `factor`, nearest-neighbour upsampling back.
public struct SuperResolution: Degradation {
  public let factor: Int

  public init(factor: Int) {
    precondition(factor >= 1, "SuperResolution: factor \(factor) must be at least 1")
    self.factor = factor
  }

  public var name: String { "sr\(factor):pool" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
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
}
