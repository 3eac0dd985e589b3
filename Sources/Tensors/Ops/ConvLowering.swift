// ConvLowering: the three GEMM patterns that conv2d and convTranspose2d (forward and backward)
// are made of, looped over images, groups and bands of output rows. A band's column matrix is
// kept cache-sized (one pooled scratch buffer per worker), and a 1×1 stride-1 unpadded kernel
// uses the image itself as its column matrix (no im2col). Images (or, when there are fewer
// images than threads, bands) are spread over the threads with ParallelGemm.
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

  /// Column-matrix budget per band and worker, in floats (1 MiB: one core's L2) …
  static let bandFloats = 1 << 18
  /// … but at least this many columns per band, below which GEMMs lose efficiency.
  static let minBandColumns = 256

  var k: Int { geometry.rows }
  var l: Int { geometry.columns }
  var imagePlane: Int { geometry.channels * geometry.height * geometry.width }
  var pointwise: Bool {
    geometry.kernelH == 1 && geometry.kernelW == 1 && geometry.stride == 1 && geometry.padding == 0
  }

  /// One image-and-group job: where its image, dense and weight blocks start, which worker runs
  /// it, that worker's column scratch (nil when pointwise) and whether kernels may thread.
  struct Job {
    let worker: Int
    let image: Int
    let dense: Int
    let weight: Int
    let scratch: UnsafeMutablePointer<Float>?
    let threaded: Bool
  }

  /// How images, groups and bands are spread over the threads.
  struct Schedule {
    /// Workers with their own scratch (1: one job after another on threaded kernels).
    let workers: Int
    /// Output rows per band.
    let rows: Int
    /// Workers share the bands of each image (few images) instead of taking whole images.
    let byBand: Bool
  }

  /// Images × groups in parallel when they cover the threads; else their bands in parallel when
  /// those do (for `scatter`, whose bands overlap in the input by the kernel's halo, only when
  /// bands two apart touch disjoint input rows: bands then run in two phases, even then odd);
  /// else one after another on threaded kernels.
  func schedule(scatter: Bool) -> Schedule {
    let threads = Threading.count
    let jobs = batch * groups
    let (oh, ow) = (geometry.outHeight, geometry.outWidth)
    func rows(_ budget: Int) -> Int {
      min(oh, max(budget / (k * ow), (ConvLowering.minBandColumns + ow - 1) / ow))
    }
    if jobs >= threads { return Schedule(workers: threads, rows: pointwise ? oh : rows(ConvLowering.bandFloats), byBand: false) }
    let r = rows(ConvLowering.bandFloats)
    // Bands b and b + 2 read disjoint input rows, also through reflected/replicated borders.
    let (s, p) = (geometry.stride, geometry.padding)
    let halosApart = geometry.kernelH <= (r + 1) * s && (rule == .zeros || (r * s > p && (r + 1) * s > 2 * p))
    if jobs * ((oh + r - 1) / r) >= threads && (!scatter || halosApart) {
      return Schedule(workers: threads, rows: r, byBand: true)
    }
    return Schedule(workers: 1, rows: pointwise ? oh : rows(ConvLowering.bandFloats * threads), byBand: false)
  }

  /// Calls body(job, band) for every image, group and band of output rows, as `plan` says.
  private func forEachBand(_ plan: Schedule, scatter: Bool, _ body: (Job, Range<Int>) -> Void) {
    let jobs = batch * groups
    let (oh, rows) = (geometry.outHeight, plan.rows)
    let perWorker = k * rows * geometry.outWidth
    let scratch = pointwise ? nil : Tensor(uninitialized: [plan.workers * perWorker])
    let bands = (oh + rows - 1) / rows
    func job(_ worker: Int, _ item: Int) -> Job {
      Job(
        worker: worker, image: item * imagePlane, dense: item * m * l, weight: (item % groups) * m * k,
        scratch: scratch.map { $0.data + worker * perWorker }, threaded: plan.workers == 1)
    }
    func band(_ b: Int) -> Range<Int> { (b * rows)..<min(oh, (b + 1) * rows) }
    if plan.byBand {
      let phases = scatter ? 2 : 1
      for phase in 0..<phases {
        let perItem = (bands - phase + phases - 1) / phases
        ParallelGemm.forEach(jobs * perItem) { worker, task in
          body(job(worker, task / perItem), band((task % perItem) * phases + phase))
        }
      }
    } else {
      ParallelGemm.forEach(jobs) { worker, item in
        for b in 0..<bands { body(job(worker, item), band(b)) }
      }
    }
    withExtendedLifetime(scratch) {}
  }

  /// The column matrix of a band (or the image's rows themselves when pointwise) and its row stride.
  private func columns(_ image: UnsafePointer<Float>, _ job: Job, _ band: Range<Int>) -> (UnsafePointer<Float>, Int) {
    guard let scratch = job.scratch else { return (image + job.image + band.lowerBound * geometry.outWidth, l) }
    let n = band.count * geometry.outWidth
    im2col(geometry, rule, image: image + job.image, outRows: band, columns: scratch, ld: n, threaded: job.threaded)
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
    let weightCount = groups * m * k
    // Workers after the first accumulate dW privately; summed into weightGrad at the end.
    let plan = schedule(scatter: false)
    let extra = weightGrad == nil ? 0 : plan.workers - 1
    let privateGrads = extra > 0 ? Tensor.zeros([extra * weightCount]) : nil
    forEachBand(plan, scatter: false) { job, band in
      let (cols, ld) = columns(image, job, band)
      let offset = job.dense + band.lowerBound * ow
      let n = band.count * ow
      if let weight, let dense {
        sgemm(
          transA: false, transB: false, m: m, n: n, k: k, a: weight + job.weight, lda: k, b: cols, ldb: ld,
          beta: beta, c: dense + offset, ldc: l)
      }
      if let weightGrad, let gradSource {
        let target = job.worker == 0 ? weightGrad : privateGrads!.data + (job.worker - 1) * weightCount
        sgemm(
          transA: false, transB: true, m: m, n: k, k: n, a: gradSource + offset, lda: l, b: cols, ldb: ld,
          beta: 1, c: target + job.weight, ldc: k)
      }
    }
    if let weightGrad, let privateGrads {
      for w in 0..<extra { accumulate(privateGrads.data + w * weightCount, into: weightGrad, weightCount) }
    }
  }

  /// image += col2im(weight[m, K]ᵀ × dense[m, L]) for every image and group.
  func scatter(weight: UnsafePointer<Float>, dense: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
    let ow = geometry.outWidth
    forEachBand(schedule(scatter: true), scatter: true) { job, band in
      let n = band.count * ow
      let source = dense + job.dense + band.lowerBound * ow
      guard let scratch = job.scratch else {
        sgemm(
          transA: true, transB: false, m: k, n: n, k: m, a: weight + job.weight, lda: k, b: source, ldb: l,
          beta: 1, c: image + job.image + band.lowerBound * ow, ldc: l)
        return
      }
      sgemm(
        transA: true, transB: false, m: k, n: n, k: m, a: weight + job.weight, lda: k, b: source, ldb: l,
        beta: 0, c: scratch, ldc: n)
      col2im(geometry, rule, columns: scratch, ld: n, outRows: band, image: image + job.image, threaded: job.threaded)
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
