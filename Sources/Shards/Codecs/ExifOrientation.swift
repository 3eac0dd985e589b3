// ExifOrientation: the EXIF Orientation tag (0x0112) of a JPEG (APP1 "Exif") or PNG (eXIf
// chunk), and turning the stored pixels upright as cameras and viewers do. Every read is
// bounds-checked: a damaged or foreign EXIF block means "no orientation", never an error.

/// How the stored pixels must be turned to show the picture upright (EXIF values 1–8).
public enum ExifOrientation: Int, Sendable {
  case upright = 1, mirrored, rotated180, flipped, transposed, rotated90, transversed, rotated270

  /// The orientation recorded in a JPEG's or PNG's EXIF block, nil when there is none.
  public static func of(_ bytes: [UInt8]) -> ExifOrientation? {
    (bytes.starts(with: [0xFF, 0xD8]) ? jpegExif(bytes) : pngExif(bytes)).flatMap(tiffOrientation)
  }

  /// `image` turned upright: rotated and/or mirrored, width and height swapped for 5–8.
  public func apply(to image: RGBImage) -> RGBImage {
    guard self != .upright else { return image }
    let (w, h) = (image.width, image.height)
    let swaps = rawValue >= 5
    let (outW, outH) = swaps ? (h, w) : (w, h)
    var out = [UInt8](repeating: 0, count: image.pixels.count)
    image.pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for y in 0..<outH {
          for x in 0..<outW {
            // The stored pixel shown at (x, y) of the upright picture.
            let (sx, sy): (Int, Int) = switch self {
            case .upright: (x, y)
            case .mirrored: (w - 1 - x, y)
            case .rotated180: (w - 1 - x, h - 1 - y)
            case .flipped: (x, h - 1 - y)
            case .transposed: (y, x)
            case .rotated90: (y, h - 1 - x)
            case .transversed: (w - 1 - y, h - 1 - x)
            case .rotated270: (w - 1 - y, x)
            }
            let s = (sy * w + sx) * 3, d = (y * outW + x) * 3
            dst[d] = src[s]
            dst[d + 1] = src[s + 1]
            dst[d + 2] = src[s + 2]
          }
        }
      }
    }
    return RGBImage(width: outW, height: outH, pixels: out)
  }

  /// The TIFF block of a JPEG's first APP1 "Exif\0\0" segment (markers before the scan only).
  private static func jpegExif(_ b: [UInt8]) -> ArraySlice<UInt8>? {
    var i = 2
    while i + 4 <= b.count, b[i] == 0xFF {
      let marker = b[i + 1]
      if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan, end of image
      let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
      guard length >= 2, i + 2 + length <= b.count else { return nil }
      let body = b[(i + 4)..<(i + 2 + length)]
      if marker == 0xE1, body.starts(with: Array("Exif\0\0".utf8)) { return body.dropFirst(6) }
      i += 2 + length
    }
    return nil
  }

  /// The TIFF block of a PNG's eXIf chunk.
  private static func pngExif(_ b: [UInt8]) -> ArraySlice<UInt8>? {
    var i = 8
    while i + 8 <= b.count {
      let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
      let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
      guard length >= 0, i + 12 + length <= b.count else { return nil }
      if type == "eXIf" { return b[(i + 8)..<(i + 8 + length)] }
      if type == "IEND" { return nil }
      i += 12 + length
    }
    return nil
  }

  /// The Orientation entry of IFD0 of a TIFF block ("II" or "MM" byte order).
  private static func tiffOrientation(_ tiff: ArraySlice<UInt8>) -> ExifOrientation? {
    let t = Array(tiff)
    guard t.count >= 8, t[0] == t[1], t[0] == 0x49 || t[0] == 0x4D else { return nil }
    let little = t[0] == 0x49
    func u16(_ at: Int) -> Int? {
      guard at >= 0, at + 2 <= t.count else { return nil }
      return little ? Int(t[at]) | Int(t[at + 1]) << 8 : Int(t[at]) << 8 | Int(t[at + 1])
    }
    func u32(_ at: Int) -> Int? {
      guard let a = u16(at), let b = u16(at + 2) else { return nil }
      return little ? a | b << 16 : a << 16 | b
    }
    guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
    for entry in 0..<entries {
      let at = ifd + 2 + 12 * entry
      guard let tag = u16(at) else { return nil }
      if tag == 0x0112, u16(at + 2) == 3, let value = u16(at + 8) { return ExifOrientation(rawValue: value) }
    }
    return nil
  }
}
