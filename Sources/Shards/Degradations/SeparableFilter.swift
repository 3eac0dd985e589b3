// SeparableFilter: a 1-D filter applied along rows, then columns, optionally strided — the linear
// operators of the corruptions I2SB was trained with (algorithms.md §4.5), built the way the
// authors' DDRM-derived code builds its 1-D matrices: output i reads taps j = c − k/2 … c + k/2 − 1
// around its centre c (an even count of taps: the last tap of an odd kernel is dropped, as there),
// with zero or symmetric (−j − 1) padding. The authors then zero the singular values below 0.03
// of that matrix; this applies the matrix itself (see docs/i2sb.md).

/// A separable, possibly strided, 1-D filter.
struct SeparableFilter: Sendable {
  enum Padding: Sendable {
    case zeros, symmetric
  }

  let kernel: [Float]
  let stride: Int
  let padding: Padding

  /// Output length for an input of `n` samples.
  func outputLength(_ n: Int) -> Int { n / stride }

  /// The weights of output i over the input positions (position, weight).
  func taps(_ i: Int, length n: Int) -> [(Int, Float)] {
    let centre = stride == 1 ? i : stride / 2 + i * stride
    let half = kernel.count / 2
    return (centre - half..<centre + half).compactMap { j in
      var p = j
      switch padding {
      case .zeros: guard (0..<n).contains(j) else { return nil }
      case .symmetric:
        if p < 0 { p = -p - 1 }
        if p >= n { p = (n - 1) - (p - n) }
      }
      return (p, kernel[j - centre + half])
    }
  }

  /// `image` filtered along x then y: `[H/s, W/s]` of the input size `[H, W]`.
  func apply(_ image: FloatImage) -> FloatImage {
    let (w, h) = (image.width, image.height)
    let (ow, oh) = (outputLength(w), outputLength(h))
    var rows = [Float](repeating: 0, count: ow * h * 3)
    for x in 0..<ow {
      let t = taps(x, length: w)
      for y in 0..<h {
        for (p, weight) in t {
          for c in 0..<3 { rows[(y * ow + x) * 3 + c] += weight * image.pixels[(y * w + p) * 3 + c] }
        }
      }
    }
    var out = [Float](repeating: 0, count: ow * oh * 3)
    for y in 0..<oh {
      for (p, weight) in taps(y, length: h) {
        for x in 0..<ow {
          for c in 0..<3 { out[(y * ow + x) * 3 + c] += weight * rows[(p * ow + x) * 3 + c] }
        }
      }
    }
    return FloatImage(width: ow, height: oh, pixels: out)
  }
}
