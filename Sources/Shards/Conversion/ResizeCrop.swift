// ResizeCrop: the preprocessing of ImageNet-trained models (torchvision's Resize(N) then
// CenterCrop(N), as I2SB's dataset code does): the shorter side is resized to N with PIL's
// antialiased bilinear filter (a triangle kernel widened by the reduction factor), the longer one
// in proportion (truncated), then the centre N × N is kept (top and left offsets rounded).

/// Shorter side to `side`, then the centre `side` × `side` square.
public struct ResizeCrop: Sendable {
  public let side: Int

  public init(side: Int) {
    precondition(side >= 1, "ResizeCrop: side \(side) must be at least 1")
    self.side = side
  }

  public func apply(_ image: FloatImage) -> FloatImage {
    let (w, h) = (image.width, image.height)
    let (nw, nh) = w <= h ? (side, max(side, Int(Double(side) * Double(h) / Double(w)))) : (max(side, Int(Double(side) * Double(w) / Double(h))), side)
    let resized = ResizeCrop.resample(image, width: nw, height: nh)
    let top = Int((Double(nh - side) / 2).rounded()), left = Int((Double(nw - side) / 2).rounded())
    var out = [Float](repeating: 0, count: side * side * 3)
    for y in 0..<side {
      let from = ((top + y) * nw + left) * 3
      out.replaceSubrange(y * side * 3..<(y + 1) * side * 3, with: resized.pixels[from..<from + side * 3])
    }
    return FloatImage(width: side, height: side, pixels: out)
  }

  /// PIL's separable bilinear resampling (Image.resize with BILINEAR): for output i the centre
  /// (i + ½)·scale, support max(scale, 1), triangle weights normalised per output.
  static func resample(_ image: FloatImage, width nw: Int, height nh: Int) -> FloatImage {
    func weights(in n: Int, out m: Int) -> [(start: Int, w: [Float])] {
      let scale = Double(n) / Double(m), filterScale = max(scale, 1), support = filterScale
      return (0..<m).map { i in
        let centre = (Double(i) + 0.5) * scale
        let lo = max(Int(centre - support + 0.5), 0), hi = min(Int(centre + support + 0.5), n)
        var w = (lo..<hi).map { x in max(0, 1 - abs((Double(x) - centre + 0.5) / filterScale)) }
        let sum = w.reduce(0, +)
        if sum > 0 { w = w.map { $0 / sum } }
        return (lo, w.map(Float.init))
      }
    }
    let (w, h) = (image.width, image.height)
    let horizontal = weights(in: w, out: nw), vertical = weights(in: h, out: nh)
    var rows = [Float](repeating: 0, count: nw * h * 3)
    for y in 0..<h {
      for (x, (start, ws)) in horizontal.enumerated() {
        for (k, weight) in ws.enumerated() {
          for c in 0..<3 { rows[(y * nw + x) * 3 + c] += weight * image.pixels[(y * w + start + k) * 3 + c] }
        }
      }
    }
    var out = [Float](repeating: 0, count: nw * nh * 3)
    for (y, (start, ws)) in vertical.enumerated() {
      for (k, weight) in ws.enumerated() {
        for x in 0..<nw {
          for c in 0..<3 { out[(y * nw + x) * 3 + c] += weight * rows[((start + k) * nw + x) * 3 + c] }
        }
      }
    }
    return FloatImage(width: nw, height: nh, pixels: out)
  }
}
