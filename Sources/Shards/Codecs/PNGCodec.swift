// PNGCodec: PNG decoding (8/16-bit, gray, gray+alpha, RGB, RGBA, palette → RGB uint8) and
// RGB encoding over libpng, through the setjmp shim in CShims so a corrupt file is an error.
import CShims
import Foundation

/// Reads and writes PNG images as `RGBImage`.
public enum PNGCodec {
  /// Decodes PNG `bytes`; `name` (usually the file path) labels errors. An image of more than
  /// `maxPixels` pixels is refused from its header, before anything is allocated.
  public static func decode(_ bytes: [UInt8], name: String, maxPixels: Int = ImageFile.defaultMaxPixels) throws -> DecodedImage {
    try decodeRGB(bytes, name: name, format: "PNG", maxPixels: maxPixels, noiseda_png_decode_rgb)
  }

  /// Encodes `image` as an 8-bit RGB PNG at zlib `level` (0-9, default 6).
  public static func encode(_ image: RGBImage, level: Int = 6) throws -> [UInt8] {
    var message = [CChar](repeating: 0, count: 256)
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    let status = image.pixels.withUnsafeBufferPointer { pixels in
      noiseda_png_encode_rgb(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(min(max(level, 0), 9)),
                             &out, &size, &message, message.count)
    }
    guard status == 0, let out else {
      throw ImageFileError.unwritable(file: "PNG in memory", reason: String(cString: message))
    }
    defer { free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }
}
