// Im2col: lowers a 2-D convolution over one [C, H, W] image to a matrix so that the convolution
// becomes a GEMM (im2col), and scatters such a matrix back onto an image, accumulating (col2im:
// the adjoint, used by the backward pass and by transposed convolutions). Both work on a band of
// output rows at a time so that callers can keep the column matrix cache-sized, and both are
// threaded unless told not to (im2col over matrix rows, col2im over channels, so no two threads
// write one pixel); callers that already run one image per thread pass `threaded: false`.

/// How samples outside the image are read. Kernels sits below Tensors, so this mirrors Tensors'
/// public `PaddingMode` (zeros / reflect / replicate, with PyTorch's meaning).
public enum BorderRule: Sendable {
  /// Zero outside the image.
  case zeros
  /// Mirror without repeating the edge sample: …, x2, x1 | x0, x1, x2, ….
  case reflect
  /// Repeat the edge sample.
  case replicate

  /// The in-range index that position `i` of a line of `size` samples reads, or -1 for a zero.
  @inlinable @inline(__always)
  public func source(_ i: Int, size: Int) -> Int {
    if i >= 0 && i < size { return i }
    switch self {
    case .zeros: return -1
    case .replicate: return i < 0 ? 0 : size - 1
    case .reflect:
      if size == 1 { return 0 }
      let period = 2 * (size - 1)
      var j = i % period
      if j < 0 { j += period }
      return j < size ? j : period - j
    }
  }
}

/// The geometry of a square-stride, square-padding 2-D convolution over one `[C, H, W]` image
/// with a `kernelH × kernelW` kernel (output size as PyTorch: ⌊(H + 2p − kh) / s⌋ + 1).
public struct ConvGeometry: Equatable, Sendable {
  public let channels: Int
  public let height: Int
  public let width: Int
  public let kernelH: Int
  public let kernelW: Int
  public let stride: Int
  public let padding: Int
  public let outHeight: Int
  public let outWidth: Int

  public init(channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int) {
    precondition(channels > 0 && kernelH > 0 && kernelW > 0 && stride > 0 && padding >= 0)
    self.channels = channels
    self.height = height
    self.width = width
    self.kernelH = kernelH
    self.kernelW = kernelW
    self.stride = stride
    self.padding = padding
    outHeight = (height + 2 * padding - kernelH) / stride + 1
    outWidth = (width + 2 * padding - kernelW) / stride + 1
    precondition(outHeight > 0 && outWidth > 0, "convolution output would be empty")
  }

  /// Rows of the column matrix: C · kh · kw, ordered (c, ki, kj) like a `[C, kh, kw]` weight.
  public var rows: Int { channels * kernelH * kernelW }
  /// Columns of the column matrix for the whole image: outHeight · outWidth.
  public var columns: Int { outHeight * outWidth }

  /// The output columns `ox` whose input column ox·s − p + kj lies inside the image.
  @inlinable @inline(__always)
  func insideColumns(_ kj: Int) -> Range<Int> {
    let first = padding - kj
    let lo = first <= 0 ? 0 : min(outWidth, (first + stride - 1) / stride)
    let last = width - 1 + padding - kj
    let hi = last < 0 ? 0 : min(outWidth, last / stride + 1)
    return lo..<max(lo, hi)
  }
}

/// im2col for output rows `outRows` of one image: `columns[r, j]` (row stride `ld`) receives
/// `image[c, oy·s − p + ki, ox·s − p + kj]` for r = (c·kh + ki)·kw + kj and
/// j = (oy − outRows.lowerBound)·outWidth + ox, borders read through `rule`.
/// `image` is `[C, H, W]`; `columns` is `[C·kh·kw, outRows.count·outWidth]`.
public func im2col(
  _ g: ConvGeometry, _ rule: BorderRule, image: UnsafePointer<Float>, outRows: Range<Int>,
  columns: UnsafeMutablePointer<Float>, ld: Int, threaded: Bool = true
) {
  let (h, w, kh, kw, s, p, ow) = (g.height, g.width, g.kernelH, g.kernelW, g.stride, g.padding, g.outWidth)
  func rows(_ range: Range<Int>) {
    for r in range {
      let kj = r % kw
      let ki = (r / kw) % kh
      let plane = image + (r / (kw * kh)) * h * w
      let inside = g.insideColumns(kj)
      var dst = columns + r * ld
      for oy in outRows {
        let sy = rule.source(oy * s - p + ki, size: h)
        if sy < 0 {
          dst.update(repeating: 0, count: ow)
        } else {
          let src = plane + sy * w
          for ox in 0..<inside.lowerBound {
            let sx = rule.source(ox * s - p + kj, size: w)
            dst[ox] = sx < 0 ? 0 : src[sx]
          }
          if s == 1 {
            (dst + inside.lowerBound).update(from: src + inside.lowerBound - p + kj, count: inside.count)
          } else {
            for ox in inside { dst[ox] = src[ox * s - p + kj] }
          }
          for ox in inside.upperBound..<ow {
            let sx = rule.source(ox * s - p + kj, size: w)
            dst[ox] = sx < 0 ? 0 : src[sx]
          }
        }
        dst += ow
      }
    }
  }
  if threaded {
    Threading.forEachChunk(g.rows, minChunk: max(1, 32_768 / max(1, outRows.count * ow)), rows)
  } else {
    rows(0..<g.rows)
  }
}

/// col2im for output rows `outRows`, the adjoint of `im2col`: adds `columns[r, j]` into the
/// image sample that `im2col` would have read it from (samples read through `rule` more than
/// once receive every contribution; zeros outside the image drop theirs).
/// `columns` is `[C·kh·kw, outRows.count·outWidth]` (row stride `ld`); `image` is `[C, H, W]`.
public func col2im(
  _ g: ConvGeometry, _ rule: BorderRule, columns: UnsafePointer<Float>, ld: Int, outRows: Range<Int>,
  image: UnsafeMutablePointer<Float>, threaded: Bool = true
) {
  let (h, w, kh, kw, s, p, ow) = (g.height, g.width, g.kernelH, g.kernelW, g.stride, g.padding, g.outWidth)
  func channels(_ range: Range<Int>) {
    for c in range {
      let plane = image + c * h * w
      for ki in 0..<kh {
        for kj in 0..<kw {
          let inside = g.insideColumns(kj)
          var src = columns + ((c * kh + ki) * kw + kj) * ld
          for oy in outRows {
            let sy = rule.source(oy * s - p + ki, size: h)
            if sy >= 0 {
              let dst = plane + sy * w
              for ox in 0..<inside.lowerBound {
                let sx = rule.source(ox * s - p + kj, size: w)
                if sx >= 0 { dst[sx] += src[ox] }
              }
              if s == 1 {
                addRow(src + inside.lowerBound, into: dst + inside.lowerBound - p + kj, inside.count)
              } else {
                for ox in inside { dst[ox * s - p + kj] += src[ox] }
              }
              for ox in inside.upperBound..<ow {
                let sx = rule.source(ox * s - p + kj, size: w)
                if sx >= 0 { dst[sx] += src[ox] }
              }
            }
            src += ow
          }
        }
      }
    }
  }
  if threaded {
    Threading.forEachChunk(g.channels, minChunk: max(1, 32_768 / max(1, outRows.count * ow * kh * kw)), channels)
  } else {
    channels(0..<g.channels)
  }
}

/// acc[i] += x[i] on one thread (rows inside an already threaded loop).
@inline(__always)
private func addRow(_ x: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
  var i = 0
  while i + 16 <= n {
    let sum = UnsafeRawPointer(x + i).loadUnaligned(as: Vec.self) + UnsafeRawPointer(acc + i).loadUnaligned(as: Vec.self)
    UnsafeMutableRawPointer(acc + i).storeBytes(of: sum, as: Vec.self)
    i += 16
  }
  while i < n {
    acc[i] += x[i]
    i += 1
  }
}
