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

  /// A `side × side` CHW plane triple in `range` (a loader's crop) as [0, 1] HWC.
  init(planar source: UnsafePointer<Float>, side: Int, range: PixelRange) {
    let plane = side * side, offset = range.bounds.lowerBound, spread = range.spread
    var pixels = [Float](repeating: 0, count: 3 * plane)
    for i in 0..<plane {
      for c in 0..<3 { pixels[3 * i + c] = (source[c * plane + i] - offset) / spread }
    }
    self.init(width: side, height: side, pixels: pixels)
  }

  /// Writes the image as CHW planes in `range`, unquantised (the inverse of `init(planar:)`).
  func writePlanar(to destination: UnsafeMutablePointer<Float>, range: PixelRange) {
    let plane = width * height, offset = range.bounds.lowerBound, spread = range.spread
    for i in 0..<plane {
      for c in 0..<3 { destination[c * plane + i] = pixels[3 * i + c] * spread + offset }
    }
  }
}
