// ConvLowering: the three GEMM patterns that conv2d and convTranspose2d (forward and backward)
// are made of, looped over images, groups and bands of output rows. A band's column matrix is
// kept cache-sized (one pooled scratch buffer per call), and a 1×1 stride-1 unpadded kernel
// uses the image itself as its column matrix (no im2col).
//
// Names follow conv2d's forward: the "image" is the side im2col reads ([C, H, W] per group),
// the "dense" side is [m, outHeight·outWidth] per group, the weight is [m, C·kh·kw] per group.
//   gather:      dense  (=|+=) weight × cols(image)          conv fwd, convT bwd-data
//   weightGrad:  dW     +=     dense  × cols(image)ᵀ         conv and convT bwd-weight
//   scatter:     image  +=     col2im(weightᵀ × dense)       conv bwd-data, convT fwd
import Kernels

/// Geometry and loops of one lowered convolution over a batch.
struct ConvLowering {
  /// Images in the batch.
  let batch: Int
  let groups: Int
  /// One group of one image (channels = image channels per group).
  let geometry: ConvGeometry
  let rule: BorderRule
  /// Dense-side channels per group.
  let m: Int

  /// Column-matrix budget per band, in floats (4 MiB: fits the L2+L3 share of one GEMM).
  static let bandFloats = 1 << 20

  var k: Int { geometry.rows }
  var l: Int { geometry.columns }
  var imagePlane: Int { geometry.channels * geometry.height * geometry.width }
  var pointwise: Bool {
    geometry.kernelH == 1 && geometry.kernelW == 1 && geometry.stride == 1 && geometry.padding == 0
  }
  /// Output rows per band.
  var bandRows: Int { max(1, min(geometry.outHeight, ConvLowering.bandFloats / max(1, k * geometry.outWidth))) }

  /// Calls body(image, dense, weight offsets, band, band column offset) for every image, group
  /// and band, with a column scratch of k · bandRows · outWidth floats (nil when pointwise).
  private func forEachBand(
    _ body: (_ image: Int, _ dense: Int, _ weight: Int, _ band: Range<Int>, _ scratch: UnsafeMutablePointer<Float>?) -> Void
  ) {
    let rows = pointwise ? geometry.outHeight : bandRows
    let scratch = pointwise ? nil : Tensor(uninitialized: [k * rows * geometry.outWidth])
    for n in 0..<batch {
      for grp in 0..<groups {
        var lo = 0
        while lo < geometry.outHeight {
          let band = lo..<min(geometry.outHeight, lo + rows)
          body((n * groups + grp) * imagePlane, (n * groups + grp) * m * l, grp * m * k, band, scratch?.data)
          lo = band.upperBound
        }
      }
    }
    withExtendedLifetime(scratch) {}
  }

  /// The column matrix of a band (or the image itself when pointwise) and its row stride.
  private func columns(
    _ image: UnsafePointer<Float>, _ band: Range<Int>, _ scratch: UnsafeMutablePointer<Float>?
  ) -> (UnsafePointer<Float>, Int) {
    guard let scratch else { return (image, l) }
    let n = band.count * geometry.outWidth
    im2col(geometry, rule, image: image, outRows: band, columns: scratch, ld: n)
    return (UnsafePointer(scratch), n)
  }

  /// dense[m, L] = beta·dense + weight[m, K] × cols(image) for every image and group, and/or
  /// weightGrad[m, K] += gradSource[m, L] × cols(image)ᵀ — one im2col serves both.
  func gather(
    image: UnsafePointer<Float>,
    weight: UnsafePointer<Float>?, dense: UnsafeMutablePointer<Float>?, beta: Float,
    weightGrad: UnsafeMutablePointer<Float>?, gradSource: UnsafePointer<Float>?
  ) {
    let ow = geometry.outWidth
    forEachBand { imageOffset, denseOffset, weightOffset, band, scratch in
      let (cols, ld) = columns(image + imageOffset, band, scratch)
      let offset = denseOffset + band.lowerBound * ow
      let n = band.count * ow
      if let weight, let dense {
        sgemm(
          transA: false, transB: false, m: m, n: n, k: k, a: weight + weightOffset, lda: k, b: cols, ldb: ld,
          beta: beta, c: dense + offset, ldc: l)
      }
      if let weightGrad, let gradSource {
        sgemm(
          transA: false, transB: true, m: m, n: k, k: n, a: gradSource + offset, lda: l, b: cols, ldb: ld,
          beta: 1, c: weightGrad + weightOffset, ldc: k)
      }
    }
  }

  /// image += col2im(weight[m, K]ᵀ × dense[m, L]) for every image and group.
  func scatter(weight: UnsafePointer<Float>, dense: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
    let ow = geometry.outWidth
    forEachBand { imageOffset, denseOffset, weightOffset, band, scratch in
      let n = band.count * ow
      let source = dense + denseOffset + band.lowerBound * ow
      guard let scratch else {
        sgemm(
          transA: true, transB: false, m: k, n: n, k: m, a: weight + weightOffset, lda: k, b: source, ldb: l,
          beta: 1, c: image + imageOffset, ldc: l)
        return
      }
      sgemm(
        transA: true, transB: false, m: k, n: n, k: m, a: weight + weightOffset, lda: k, b: source, ldb: l,
        beta: 0, c: scratch, ldc: n)
      col2im(geometry, rule, columns: scratch, ld: n, outRows: band, image: image + imageOffset)
    }
  }
}

/// out[n, c, :] = bias[c] for an `[N, C, L]` buffer.
func fillChannels(_ out: UnsafeMutablePointer<Float>, with bias: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) {
  Threading.forEach(batch * channels) { row in
    (out + row * plane).update(repeating: bias[row % channels], count: plane)
  }
}

/// db[c] += Σ_n Σ_l g[n, c, l] for an `[N, C, L]` gradient.
func addChannelSums(_ g: UnsafePointer<Float>, into db: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int) {
  Threading.forEach(channels) { c in
    var total = 0.0
    for n in 0..<batch {
      let row = g + (n * channels + c) * plane
      var acc = Vec(repeating: 0)
      var i = 0
      while i + 16 <= plane {
        acc += UnsafeRawPointer(row + i).loadUnaligned(as: Vec.self)
        i += 16
      }
      var tail: Float = 0
      while i < plane {
        tail += row[i]
        i += 1
      }
      total += Double(acc.sum()) + Double(tail)
    }
    db[c] += Float(total)
  }
}
