// JPEGCompression: the lossy-codec step of a camera pipeline — quantise to 8 bits, encode with
// libjpeg at a random quality, decode (JPEGCodec, over the C shim).
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
    let decoded: RGBImage
    do {
      decoded = try JPEGCodec.decode(JPEGCodec.encode(image, quality: quality), name: "JPEG round trip", maxPixels: .max).image
    } catch {
      preconditionFailure("JPEG round trip of an in-memory image failed: \(error)")
    }
    precondition(decoded.width == image.width && decoded.height == image.height, "JPEG round trip changed the size")
    return decoded
  }
}
