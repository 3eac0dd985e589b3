// WinogradLowering: conv2d for 3×3 kernels, stride 1, padding 1, zero borders, one group, as
// Winograd F(2×2, 3×3) (Kernels/Winograd): each pass is element-wise transforms around 16
// independent GEMMs over tiles (spread over the threads by ParallelGemm), with 2.25× fewer
// multiplies than im2col. Backward is the exact adjoint of the forward:
//   forward   M_ξ  = U_ξ · V_ξ          [C_out, T] = [C_out, C_in] · [C_in, T]
//   dW        dU_ξ += dM_ξ · V_ξᵀ       then dW += Gᵀ dU G
//   dX        dV_ξ = U_ξᵀ · dM_ξ        then dX += B dV Bᵀ, overlapping tiles summed
// with dM = A dY Aᵀ. The batch is taken a chunk of images at a time, so that the transformed
// tiles (4× the image) stay bounded and mostly in cache between transform and GEMM; transformed
// inputs are recomputed in backward rather than kept.
import Kernels

/// One Winograd-lowered convolution over a batch (shapes only; buffers come per call).
struct WinogradLowering {
  let batch: Int
  let inChannels: Int
  let outChannels: Int
  let tiles: WinogradTiles
  /// Images per chunk.
  let chunkImages: Int

  /// Budget for one chunk's transformed tiles, 16 · max(C_in, C_out) · T floats (16 MiB) …
  static let chunkFloats = 1 << 22
  /// … but at least this many tile columns per chunk, below which the GEMMs lose efficiency.
  static let minChunkColumns = 512

  /// `chunkImages` nil: as many images as fit `chunkFloats`, at least `minChunkColumns` tiles.
  init(batch: Int, inChannels: Int, outChannels: Int, tiles: WinogradTiles, chunkImages: Int? = nil) {
    self.batch = batch
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.tiles = tiles
    let columns = max(WinogradLowering.chunkFloats / (16 * max(inChannels, outChannels)), WinogradLowering.minChunkColumns)
    self.chunkImages = min(batch, max(1, chunkImages ?? columns / tiles.perPlane))
  }

  /// Whether `conv2d` with these arguments can take this lowering.
  static func applies(kernelH: Int, kernelW: Int, stride: Int, padding: Int, mode: PaddingMode, groups: Int) -> Bool {
    kernelH == 3 && kernelW == 3 && stride == 1 && padding == 1 && mode == .zeros && groups == 1
  }

  /// Calls body(first image, images) for each chunk of the batch, in order.
  private func forEachChunk(_ body: (Int, Int) -> Void) {
    let size = chunkImages
    var first = 0
    while first < batch {
      body(first, min(size, batch - first))
      first += size
    }
  }

  /// 16 slabs of `rows × columns` floats (see `winogradSlab`).
  private func slabs(_ rows: Int, _ columns: Int) -> Tensor { Tensor(uninitialized: [16 * winogradSlab(rows * columns)]) }

  /// U = G g Gᵀ of `weight` `[C_out, C_in, 3, 3]`: 16 slabs of `[C_out, C_in]`.
  private func transformedWeights(_ weight: UnsafePointer<Float>) -> Tensor {
    let u = slabs(outChannels, inChannels)
    winogradWeights(weight, count: outChannels * inChannels, into: u.data)
    return u
  }

  /// out `[N, C_out, H, W]` = conv(x, weight) + bias.
  func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>) {
    let (co, ci, plane) = (outChannels, inChannels, tiles.height * tiles.width)
    let u = transformedWeights(weight)
    let t = chunkImages * tiles.perPlane
    let (v, m) = (slabs(ci, t), slabs(co, t))
    forEachChunk { first, images in
      let n = images * tiles.perPlane
      let (inputSlab, outputSlab) = (winogradSlab(ci * n), winogradSlab(co * n))
      winogradInput(x + first * ci * plane, batch: images, channels: ci, tiles: tiles, into: v.data)
      ParallelGemm.forEach(16) { _, xi in
        sgemm(
          transA: false, transB: false, m: co, n: n, k: ci, a: u.data + xi * winogradSlab(co * ci), lda: ci,
          b: v.data + xi * inputSlab, ldb: n, beta: 0, c: m.data + xi * outputSlab, ldc: n)
      }
      winogradOutput(m.data, batch: images, channels: co, tiles: tiles, bias: bias, into: out + first * co * plane)
    }
  }

  /// weightGrad += ∂L/∂weight and inputGrad += ∂L/∂x for the output gradient `gradOut`.
  func backward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, gradOut: UnsafePointer<Float>,
    weightGrad: UnsafeMutablePointer<Float>?, inputGrad: UnsafeMutablePointer<Float>?
  ) {
    let (co, ci, plane) = (outChannels, inChannels, tiles.height * tiles.width)
    let weightSlab = winogradSlab(co * ci)
    let t = chunkImages * tiles.perPlane
    let (dm, scratch) = (slabs(co, t), slabs(ci, t))
    let u = inputGrad == nil ? nil : transformedWeights(weight)
    let du = weightGrad == nil ? nil : slabs(co, ci)
    forEachChunk { first, images in
      let n = images * tiles.perPlane
      let (inputSlab, outputSlab) = (winogradSlab(ci * n), winogradSlab(co * n))
      winogradOutputAdjoint(gradOut + first * co * plane, batch: images, channels: co, tiles: tiles, into: dm.data)
      if let du {
        let v = scratch
        winogradInput(x + first * ci * plane, batch: images, channels: ci, tiles: tiles, into: v.data)
        ParallelGemm.forEach(16) { _, xi in
          sgemm(
            transA: false, transB: true, m: co, n: ci, k: n, a: dm.data + xi * outputSlab, lda: n,
            b: v.data + xi * inputSlab, ldb: n, beta: first == 0 ? 0 : 1, c: du.data + xi * weightSlab, ldc: ci)
        }
      }
      if let u, let inputGrad {
        let dv = scratch
        ParallelGemm.forEach(16) { _, xi in
          sgemm(
            transA: true, transB: false, m: ci, n: n, k: co, a: u.data + xi * weightSlab, lda: ci,
            b: dm.data + xi * outputSlab, ldb: n, beta: 0, c: dv.data + xi * inputSlab, ldc: n)
        }
        winogradInputAdjoint(dv.data, batch: images, channels: ci, tiles: tiles, into: inputGrad + first * ci * plane)
      }
    }
    if let du, let weightGrad { winogradWeightsAdjoint(du.data, count: co * ci, into: weightGrad) }
  }
}
