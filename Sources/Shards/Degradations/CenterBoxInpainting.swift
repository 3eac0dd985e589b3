// CenterBoxInpainting: the degraded image of I2SB's centre-box inpainting (algorithms.md §4.5,
// the authors' inpaint_center): the middle square (rows and columns from a quarter to three
// quarters of each side) turned white. A method that restores it fills that box itself (i2sb with
// i2sb.mask: center replaces it by noise). Deterministic.
import Tensors

/// The centre half of each side painted white.
public struct CenterBoxInpainting: Degradation {
  public init() {}

  public var name: String { "inpaint:center" }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    var out = image
    let (w, h) = (image.width, image.height)
    for y in (h / 4)..<(h / 4 + h / 2) {
      for x in (w / 4)..<(w / 4 + w / 2) {
        for c in 0..<3 { out.pixels[(y * w + x) * 3 + c] = 1 }
      }
    }
    return out
  }
}
