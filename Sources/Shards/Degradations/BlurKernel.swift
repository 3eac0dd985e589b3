// BlurKernel: a normalised 2-D point-spread function and its convolution with an image under
// reflect borders (the blur degradation and the camera pipeline's demosaic use it).
import Tensors

/// A `size × size` kernel (odd size, row-major weights) whose weights sum to 1.
public struct BlurKernel: Equatable, Sendable {
  public let size: Int
  public let weights: [Float]

  /// A kernel from raw non-negative `weights` (`size × size`, odd size), scaled to sum to 1.
  public init(size: Int, weights: [Float]) {
    precondition(size % 2 == 1 && weights.count == size * size, "BlurKernel: \(weights.count) weights for size \(size)")
    let total = weights.reduce(0, +)
    precondition(total > 0, "BlurKernel: weights sum to \(total)")
    self.size = size
    self.weights = weights.map { $0 / total }
  }

  /// `image` convolved with this kernel (correlation, like PyTorch's conv2d), borders extended by
  /// reflection (PyTorch "reflect"); same size out.
  public func convolve(_ image: FloatImage) -> FloatImage {
    let w = image.width, h = image.height, r = size / 2
    let pw = w + 2 * r, ph = h + 2 * r
    // Reflect-padded copy, HWC: every tap then reads one contiguous row of 3·w floats.
    var padded = [Float](repeating: 0, count: pw * ph * 3)
    var out = [Float](repeating: 0, count: w * h * 3)
    image.pixels.withUnsafeBufferPointer { src in
      padded.withUnsafeMutableBufferPointer { pad in
        for py in 0..<ph {
          let sy = PaddingMode.reflect.sourceIndex(py - r, size: h)!
          for px in 0..<pw {
            let sx = PaddingMode.reflect.sourceIndex(px - r, size: w)!
            let s = (sy * w + sx) * 3, d = (py * pw + px) * 3
            pad[d] = src[s]
            pad[d + 1] = src[s + 1]
            pad[d + 2] = src[s + 2]
          }
        }
      }
    }
    padded.withUnsafeBufferPointer { pad in
      weights.withUnsafeBufferPointer { k in
        out.withUnsafeMutableBufferPointer { dst in
          let rowLength = w * 3
          for y in 0..<h {
            let o = dst.baseAddress! + y * rowLength
            for i in 0..<size {
              for j in 0..<size {
                let kv = k[i * size + j]
                if kv == 0 { continue }
                let s = pad.baseAddress! + ((y + i) * pw + j) * 3
                for t in 0..<rowLength { o[t] += kv * s[t] }
              }
            }
          }
        }
      }
    }
    return FloatImage(width: w, height: h, pixels: out)
  }
}
