// DecodedImage: what a decoder gives back — the RGB image and the warnings the decoder gave
// while still decoding all of it — and the one wrapper every C decoder shim runs through.
import CShims
import Foundation

/// A decoded image and the decoder's warnings (the image is complete; they are for reports).
public struct DecodedImage: Equatable, Sendable {
  public var image: RGBImage
  /// The first warning, with how many there were, e.g. "Corrupt JPEG data: 3 extraneous bytes
  /// before marker 0xd9"; empty when the decoder had nothing to say.
  public var warnings: [String]

  public init(image: RGBImage, warnings: [String] = []) {
    self.image = image
    self.warnings = warnings
  }
}

/// Runs a C decoder shim (`noiseda_png_decode_rgb` or `noiseda_jpeg_decode_rgb`) and wraps its
/// malloc'd RGB result, or turns its status into `ImageFileError.corrupt` or `.tooLarge`.
func decodeRGB(
  _ bytes: [UInt8], name: String, format: String, maxPixels: Int,
  _ decoder: (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<noiseda_decoded_image>?) -> Int32
) throws -> DecodedImage {
  var decoded = noiseda_decoded_image()
  let status = bytes.withUnsafeBufferPointer { data in
    decoder(data.baseAddress, data.count, UInt64(max(maxPixels, 0)), &decoded)
  }
  let width = Int(decoded.width), height = Int(decoded.height)
  if status == NOISEDA_DECODE_TOO_LARGE {
    throw ImageFileError.tooLarge(file: name, width: width, height: height, limit: maxPixels)
  }
  guard status == NOISEDA_DECODED, let pixels = decoded.pixels, width > 0, height > 0 else {
    free(decoded.pixels)
    let reason = text(of: &decoded.message)
    throw ImageFileError.corrupt(file: name, format: format, reason: reason.isEmpty ? "empty image" : reason)
  }
  defer { free(pixels) }
  let image = RGBImage(width: width, height: height, pixels: Array(UnsafeBufferPointer(start: pixels, count: width * height * 3)))
  guard decoded.warnings > 0 else { return DecodedImage(image: image) }
  let more = decoded.warnings > 1 ? " (and \(decoded.warnings - 1) more warnings)" : ""
  return DecodedImage(image: image, warnings: ["\(format) decoder warning: \(text(of: &decoded.warning))\(more)"])
}

/// A C `char[N]` field (imported as a tuple) as a String.
private func text<T>(of field: inout T) -> String {
  withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
