// ImageTensors: whole 8-bit images to and from float image tensors, for validation, evaluation
// and inference (training crops go through PatchTransform instead).
import Tensors

extension PixelRange {
  /// The closed float range images occupy.
  public var bounds: ClosedRange<Float> { self == .unit ? 0...1 : -1...1 }
}

extension Tensor {
  /// `image` as `[1, 3, H, W]` in `range`.
  public convenience init(image: RGBImage, range: PixelRange) {
    self.init(uninitialized: [1, 3, image.height, image.width])
    let (scale, offset) = range.byteMapping
    let plane = image.width * image.height
    image.pixels.withUnsafeBufferPointer { px in
      for i in 0..<plane {
        for c in 0..<3 { data[c * plane + i] = Float(px[3 * i + c]) * scale + offset }
      }
    }
  }
}

extension RGBImage {
  /// Image `index` of an `[N, 3, H, W]` tensor in `range`, clamped and rounded to 8 bit.
  public init(tensor: Tensor, index: Int = 0, range: PixelRange) {
    precondition(tensor.rank == 4 && tensor.shape[1] == 3 && index < tensor.shape[0], "RGBImage(tensor:): shape \(tensor.shape)")
    let h = tensor.shape[2], w = tensor.shape[3], plane = h * w
    let (scale, offset) = range.byteMapping
    let src = tensor.data + index * 3 * plane
    var pixels = [UInt8](repeating: 0, count: 3 * plane)
    for i in 0..<plane {
      for c in 0..<3 {
        let v = ((src[c * plane + i] - offset) / scale).rounded()
        pixels[3 * i + c] = UInt8(min(max(v, 0), 255))
      }
    }
    self.init(width: w, height: h, pixels: pixels)
  }

  /// Images side by side (same height), separated by `gap` white columns: a comparison grid.
  public static func sideBySide(_ images: [RGBImage], gap: Int = 4) -> RGBImage {
    let h = images[0].height
    precondition(images.allSatisfy { $0.height == h }, "sideBySide: images of different heights")
    let w = images.reduce(0) { $0 + $1.width } + gap * (images.count - 1)
    var out = [UInt8](repeating: 255, count: 3 * w * h)
    var x0 = 0
    for image in images {
      for y in 0..<h {
        let row = image.pixels[(3 * y * image.width)..<(3 * (y + 1) * image.width)]
        out.replaceSubrange((3 * (y * w + x0))..<(3 * (y * w + x0 + image.width)), with: row)
      }
      x0 += image.width + gap
    }
    return RGBImage(width: w, height: h, pixels: out)
  }
}
