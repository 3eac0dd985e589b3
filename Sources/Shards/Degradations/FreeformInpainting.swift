// FreeformInpainting: the degraded image of I2SB's free-form inpainting (algorithms.md §4.5): a
// free-form stroke mask (FreeformMask: 10–20 %, 20–30 % or 30–40 % of the pixels) drawn from the
// degradation's stream, its pixels replaced by Gaussian noise as I2SB forms x₁ = (1 − m)·x + m·N(0, I)
// in [−1, 1], which is 0.5 + 0.5·N(0, 1) in [0, 1] (clipped where the converter quantises).
// Unlike the centre box, which the converter paints white because the sampler knows where it is
// and fills it with noise itself, a free-form mask is known only here, so the image carries the
// noise: its pairs train and score methods that learn inpainting from pairs (i2sb with i2sb.mask:
// none, cond-ddpm, the restorers). i2sb with i2sb.mask: freeform… draws its own masks instead and
// takes unmasked images.
import Tensors

/// Free-form strokes of the image replaced by noise.
public struct FreeformInpainting: Degradation {
  public let mask: FreeformMask

  public init(_ mask: FreeformMask) { self.mask = mask }

  public var name: String { "inpaint:\(mask.name)" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    let m = mask.draw(height: image.height, width: image.width, using: &rng)
    var out = image
    for p in 0..<(image.width * image.height) where m.data[p] == 1 {
      for c in 0..<3 { out.pixels[p * 3 + c] = 0.5 + 0.5 * rng.normal() }
    }
    return out
  }
}
