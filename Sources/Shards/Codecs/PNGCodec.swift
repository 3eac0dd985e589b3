// PNGCodec: PNG decoding (8/16-bit, gray, gray+alpha, RGB, RGBA, palette → RGB uint8) and
// RGB encoding over libpng, through the setjmp shim in CShims so a corrupt file is an error.
import CShims
import Foundation

/// Reads and writes PNG images as `RGBImage`.
public enum PNGCodec {
  /// Decodes PNG `bytes`; `name` (usually the file path) labels errors.
  public static func decode(_ bytes: [UInt8], name: String) throws -> RGBImage {
    try decodeRGB(bytes, name: name, format: "PNG", noiseda_png_decode_rgb)
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

/// Runs a C decoder shim (`noiseda_png_decode_rgb` or `noiseda_jpeg_decode_rgb`) and wraps its
/// malloc'd RGB result, or turns its message into `ImageFileError.corrupt`.
func decodeRGB(
  _ bytes: [UInt8], name: String, format: String,
  _ decoder: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
              UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
) throws -> RGBImage {
  var message = [CChar](repeating: 0, count: 256)
  var pixels: UnsafeMutablePointer<UInt8>?
  var width: Int32 = 0
  var height: Int32 = 0
  let capacity = message.count
  let status = bytes.withUnsafeBufferPointer { data in
    decoder(data.baseAddress, data.count, &pixels, &width, &height, &message, capacity)
  }
  guard status == 0, let pixels, width > 0, height > 0 else {
    let reason = String(cString: message)
    throw ImageFileError.corrupt(file: name, format: format, reason: reason.isEmpty ? "empty image" : reason)
  }
  defer { free(pixels) }
  let count = Int(width) * Int(height) * 3
  return RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
}
