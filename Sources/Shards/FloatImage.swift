// FloatImage: an RGB picture in linear float [0, 1] form, what degradations work on.

/// `height × width × 3` floats in [0, 1] (HWC, like `RGBImage`).
public struct FloatImage: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public var pixels: [Float]

  public init(width: Int, height: Int, pixels: [Float]) {
    precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "FloatImage: \(pixels.count) values for \(width)×\(height)")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// `image` with each byte v mapped to v / 255.
  public init(_ image: RGBImage) {
    self.init(width: image.width, height: image.height, pixels: image.pixels.map { Float($0) / 255 })
  }

  /// Clamped to [0, 1] and rounded to the nearest of 256 levels.
  public func quantized() -> RGBImage {
    RGBImage(width: width, height: height, pixels: pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) })
  }
}
