// RGBImage: an 8-bit RGB picture as the codecs read and write it and the shards store it.

/// `height × width × 3` bytes, row-major, channels interleaved (HWC), as in a PNG row.
public struct RGBImage: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public var pixels: [UInt8]

  /// An image over `pixels` (`height * width * 3` bytes, HWC).
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)×\(height)")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// A black image.
  public init(width: Int, height: Int) {
    self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
  }
}
