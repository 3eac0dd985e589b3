// JPEGCodec: JPEG decoding (baseline, progressive, grayscale, Adobe CMYK/YCCK → RGB uint8) and
// RGB encoding over libjpeg, through the longjmp shim in CShims. A truncated file is an error
// (libjpeg's "premature end" warnings are promoted), never a half-grey image; other warnings
// (extraneous bytes before a marker) keep the image and are reported with it.
import CShims
import Foundation

/// Reads and writes JPEG images as `RGBImage` (the camera-pipeline degradation also uses
/// `encode`/`decode` in memory for its compression step).
public enum JPEGCodec {
  /// Decodes JPEG `bytes`; `name` (usually the file path) labels errors. An image of more than
  /// `maxPixels` pixels is refused from its header, before anything is allocated.
  public static func decode(_ bytes: [UInt8], name: String, maxPixels: Int = ImageFile.defaultMaxPixels) throws -> DecodedImage {
    try decodeRGB(bytes, name: name, format: "JPEG", maxPixels: maxPixels, noiseda_jpeg_decode_rgb)
  }

  /// Encodes `image` as a baseline JPEG at `quality` (1-100, libjpeg's scale).
  public static func encode(_ image: RGBImage, quality: Int = 95) throws -> [UInt8] {
    var message = [CChar](repeating: 0, count: 256)
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    let capacity = message.count
    let status = image.pixels.withUnsafeBufferPointer { pixels in
      noiseda_jpeg_encode_rgb(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(min(max(quality, 1), 100)),
                              &out, &size, &message, capacity)
    }
    guard status == 0, let out else {
      throw ImageFileError.unwritable(file: "JPEG in memory", reason: String(cString: message))
    }
    defer { free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }
}
