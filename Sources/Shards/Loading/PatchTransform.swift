// PatchTransform: the random crop and dihedral augmentation of one training sample, and its
// application while converting 8-bit HWC pixels to float CHW planes. A synthetic pair applies one
// transform to both images; real and clean images draw their own (algorithms.md §1.1).
import Tensors

/// Pixel value range of loader output: [0, 1] (denoising, "norm0") or [−1, 1] (deraining and
/// deblurring, "norm1").
public enum PixelRange: String, Codable, Sendable {
  case unit
  case symmetric

  /// (scale, offset) mapping a byte v to scale·v + offset.
  var byteMapping: (Float, Float) { self == .unit ? (1 / 255, 0) : (2 / 255, -1) }
  /// Output units per unit of [0, 1] intensity (for noise σ).
  var spread: Float { self == .unit ? 1 : 2 }
}

/// A `patch × patch` crop at (`x`, `y`) followed by dihedral transform `dihedral`:
/// rot90ᵏ ∘ vflipᶠ with k = dihedral % 4 counter-clockwise quarter turns (as `torch.rot90`) and
/// f = dihedral / 4 (vertical flip, applied first). 0 is the identity.
public struct PatchTransform: Equatable, Sendable {
  public let x: Int
  public let y: Int
  public let patch: Int
  public let dihedral: Int

  public init(x: Int, y: Int, patch: Int, dihedral: Int) {
    precondition((0..<8).contains(dihedral) && patch > 0, "PatchTransform: dihedral \(dihedral), patch \(patch)")
    self.x = x
    self.y = y
    self.patch = patch
    self.dihedral = dihedral
  }

  /// A uniform crop position inside `width × height` (at least `patch` each) and, when
  /// `augment`, one of the 8 dihedral transforms uniformly (else the identity).
  public static func random(width: Int, height: Int, patch: Int, augment: Bool, using rng: inout PhiloxRandom) -> PatchTransform {
    precondition(width >= patch && height >= patch, "crop \(patch) from \(width)×\(height)")
    let x = rng.int(below: width - patch + 1), y = rng.int(below: height - patch + 1)
    return PatchTransform(x: x, y: y, patch: patch, dihedral: augment ? rng.int(below: 8) : 0)
  }

  /// Writes the transformed crop of `image` as three `patch × patch` planes (`[3, P, P]`, the
  /// layout of one item of an `[N, 3, P, P]` batch) at `out`, each byte v mapped to scale·v + offset.
  public func write(_ image: RGBImage, to out: UnsafeMutablePointer<Float>, range: PixelRange) {
    precondition(x >= 0 && y >= 0 && x + patch <= image.width && y + patch <= image.height, "crop outside \(image.width)×\(image.height)")
    let (scale, offset) = range.byteMapping
    // Output (i, j) reads crop pixel s(i, j) = s00 + i·rowStep + j·colStep (an affine map).
    let s00 = source(0, 0), s10 = source(1, 0), s01 = source(0, 1)
    let w = image.width, plane = patch * patch
    let base = (y + s00.0) * w + x + s00.1
    let rowStep = (s10.0 - s00.0) * w + (s10.1 - s00.1)
    let colStep = (s01.0 - s00.0) * w + (s01.1 - s00.1)
    image.pixels.withUnsafeBufferPointer { src in
      for i in 0..<patch {
        var p = base + i * rowStep
        let r = out + i * patch, g = r + plane, b = g + plane
        for j in 0..<patch {
          r[j] = Float(src[3 * p]) * scale + offset
          g[j] = Float(src[3 * p + 1]) * scale + offset
          b[j] = Float(src[3 * p + 2]) * scale + offset
          p += colStep
        }
      }
    }
  }

  /// The crop-relative (row, column) that output pixel (i, j) shows.
  func source(_ i: Int, _ j: Int) -> (Int, Int) {
    var (r, c) = (i, j)
    // One counter-clockwise quarter turn: out[r][c] = in[c][P − 1 − r].
    for _ in 0..<(dihedral % 4) { (r, c) = (c, patch - 1 - r) }
    if dihedral >= 4 { r = patch - 1 - r }
    return (r, c)
  }
}

extension RGBImage {
  /// The image bilinearly resized to `width × height` (pixel centres aligned, as PyTorch's
  /// `interpolate(mode="bilinear", align_corners=False)` and OpenCV's `resize`), rounded to bytes.
  public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> RGBImage {
    var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
    let sy = Float(height) / Float(newHeight), sx = Float(width) / Float(newWidth)
    for oy in 0..<newHeight {
      let fy = max(0, (Float(oy) + 0.5) * sy - 0.5)
      let y0 = min(Int(fy), height - 1), y1 = min(y0 + 1, height - 1), ay = fy - Float(y0)
      for ox in 0..<newWidth {
        let fx = max(0, (Float(ox) + 0.5) * sx - 0.5)
        let x0 = min(Int(fx), width - 1), x1 = min(x0 + 1, width - 1), ax = fx - Float(x0)
        for c in 0..<3 {
          let top = (1 - ax) * Float(pixels[(y0 * width + x0) * 3 + c]) + ax * Float(pixels[(y0 * width + x1) * 3 + c])
          let bottom = (1 - ax) * Float(pixels[(y1 * width + x0) * 3 + c]) + ax * Float(pixels[(y1 * width + x1) * 3 + c])
          out[(oy * newWidth + ox) * 3 + c] = UInt8(min(255, max(0, ((1 - ay) * top + ay * bottom).rounded())))
        }
      }
    }
    return RGBImage(width: newWidth, height: newHeight, pixels: out)
  }
}
