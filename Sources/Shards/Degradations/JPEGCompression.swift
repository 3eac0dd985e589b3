// JPEGCompression: the lossy-codec step of a camera pipeline — quantise to 8 bits, encode with
// libjpeg at a random quality, decode. Goes through the C shim because libjpeg reports errors by
// longjmp.
import CShims
import Foundation
import Tensors

/// Round-trips each image through baseline JPEG at a quality drawn uniformly from `quality`.
public struct JPEGCompression: Degradation {
  /// libjpeg quality range (1–100).
  public let quality: ClosedRange<Int>

  public init(quality: ClosedRange<Int>) {
    precondition(quality.lowerBound >= 1 && quality.upperBound <= 100, "JPEGCompression: quality \(quality) outside 1...100")
    self.quality = quality
  }

  public var name: String {
    quality.lowerBound == quality.upperBound ? "jpeg:\(quality.lowerBound)" : "jpeg:\(quality.lowerBound)-\(quality.upperBound)"
  }

  public func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    let q = quality.lowerBound + rng.int(below: quality.count)
    return FloatImage(JPEGCompression.roundTrip(image.quantized(), quality: q))
  }

  /// `image` encoded at `quality` and decoded again. Encoding a well-formed in-memory RGB image
  /// cannot fail short of running out of memory, so a failure is a crash with libjpeg's message.
  static func roundTrip(_ image: RGBImage, quality: Int) -> RGBImage {
    var message = [CChar](repeating: 0, count: 200)
    var encoded: UnsafeMutablePointer<UInt8>?
    var encodedSize = 0
    let status = image.pixels.withUnsafeBufferPointer { p in
      noiseda_jpeg_encode_rgb(p.baseAddress, Int32(image.width), Int32(image.height), Int32(quality), &encoded, &encodedSize, &message, message.count)
    }
    guard status == 0, let encoded else { preconditionFailure("JPEG encode failed: \(String(cString: message))") }
    defer { free(encoded) }
    var decoded: UnsafeMutablePointer<UInt8>?
    var width: Int32 = 0, height: Int32 = 0
    guard noiseda_jpeg_decode_rgb(encoded, encodedSize, &decoded, &width, &height, &message, message.count) == 0, let decoded else {
      preconditionFailure("JPEG decode of our own encoding failed: \(String(cString: message))")
    }
    defer { free(decoded) }
    precondition(Int(width) == image.width && Int(height) == image.height, "JPEG round trip changed the size")
    return RGBImage(width: image.width, height: image.height, pixels: Array(UnsafeBufferPointer(start: decoded, count: image.pixels.count)))
  }
}
