// OpsBenchmark: what `noiseda bench ops` measures — conv2d 3×3 forward and forward+backward time
// and GFLOP/s on the U-Net's shapes (or given ones) with a chosen lowering, beside plain sgemm at
// the same thread count (the roofline, and a conv-shaped GEMM).
import Dispatch
import Foundation
import Kernels
import Tensors

/// The convolution and GEMM benchmark.
public enum OpsBenchmark {
  /// The U-Net's 3×3 convolutions: C_in = C_out, spatial size halving per doubling of channels.
  public static let unetShapes: [(channels: Int, size: Int)] = [(32, 128), (64, 128), (128, 64), (256, 32), (512, 16)]
  /// The roofline GEMM: square, large enough for OpenBLAS's best kernels.
  public static let gemmSize = 2048

  /// What to measure.
  public struct Options {
    public var threads: Int
    public var batch: Int
    /// Timed repetitions per measurement (the median is reported), after one warm-up.
    public var repeats: Int
    public var shapes: [(channels: Int, size: Int)]
    public var algorithm: ConvolutionAlgorithm

    public init(threads: Int, batch: Int, repeats: Int, shapes: [(channels: Int, size: Int)], algorithm: ConvolutionAlgorithm) {
      self.threads = threads
      self.batch = batch
      self.repeats = repeats
      self.shapes = shapes
      self.algorithm = algorithm
    }
  }

  public struct GemmResult: Codable, Sendable {
    public let m: Int, n: Int, k: Int, ms: Double, gflops: Double
  }

  public struct ConvResult: Codable, Sendable {
    public let batch: Int, channels: Int, height: Int, width: Int, kernel: Int
    public let forwardMs: Double, forwardGflops: Double
    public let forwardBackwardMs: Double, forwardBackwardGflops: Double
    public let fractionOfSgemm: Double
  }

  /// The whole report (what `--json` writes).
  public struct Report: Codable, Sendable {
    public let date: String, cpu: String, openblasCore: String, openblasConfig: String, threads: Int, repeats: Int, algorithm: String
    /// /proc/loadavg's 1-minute figure at the start: other processes competing for the cores.
    public let loadAverage: String
    public let sgemm: GemmResult, sgemmConvShaped: GemmResult
    public let conv2d: [ConvResult]
  }

  /// Measures the GEMMs, then each shape; `gemmsDone` is called once the GEMMs are measured and
  /// `shapeDone` after each shape, so a caller can print as results arrive.
  public static func run(_ o: Options, gemmsDone: (GemmResult, GemmResult) -> Void = { _, _ in },
                         shapeDone: (ConvResult) -> Void = { _ in }) throws -> Report {
    Threading.setCount(o.threads)
    let date = ISO8601DateFormatter().string(from: Date())
    let load = MachineInfo.loadAverage()
    let s = gemmSize
    let roof = measureGemm(m: s, n: s, k: s, repeats: o.repeats)
    // conv2d 64→64 3×3 at 128×128 as one image's GEMM: [C_out × 9·C_in] · [9·C_in × H·W].
    let convShaped = measureGemm(m: 64, n: 128 * 128, k: 64 * 9, repeats: o.repeats)
    gemmsDone(roof, convShaped)
    // One untimed pass over the first shape: the first measurement would otherwise pay for the
    // worker threads' and buffer pool's start-up (it read 2× slow at 2 threads).
    if let first = o.shapes.first { _ = try measureConv(o, channels: first.channels, size: first.size, roofline: roof.gflops) }
    var results: [ConvResult] = []
    for (c, size) in o.shapes {
      let r = try measureConv(o, channels: c, size: size, roofline: roof.gflops)
      results.append(r)
      shapeDone(r)
    }
    return Report(
      date: date, cpu: MachineInfo.cpuModel(), openblasCore: BLASSetup.coreName, openblasConfig: BLASSetup.configuration,
      threads: o.threads, repeats: o.repeats, algorithm: o.algorithm.rawValue, loadAverage: load, sgemm: roof,
      sgemmConvShaped: convShaped, conv2d: results)
  }

  /// Median wall time of `repeats` runs of `body`, after one warm-up run, in milliseconds.
  static func medianMs(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
  }

  static func measureGemm(m: Int, n: Int, k: Int, repeats: Int) -> GemmResult {
    let a = Tensor(shape: [m, k], repeating: 0.5)
    let b = Tensor(shape: [k, n], repeating: 0.25)
    let c = Tensor(uninitialized: [m, n])
    let ms = medianMs(repeats: repeats) {
      sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, beta: 0, c: c.data, ldc: n)
    }
    return GemmResult(m: m, n: n, k: k, ms: ms, gflops: 2 * Double(m) * Double(n) * Double(k) / ms / 1e6)
  }

  static func measureConv(_ o: Options, channels c: Int, size: Int, roofline: Double) throws -> ConvResult {
    let batch = o.batch
    var rng = PhiloxRandom(seed: 1, stream: 0)
    let x = Tensor.uniform([batch, c, size, size], -1, 1, using: &rng)
    let bound = 1 / Float(9 * c).squareRoot()
    let w = Tensor.uniform([c, c, 3, 3], -bound, bound, using: &rng)
    let b = Tensor.uniform([c], -bound, bound, using: &rng)
    let dy = Tensor.uniform([batch, c, size, size], -1, 1, using: &rng)
    let lowering = o.algorithm
    let forwardMs = try medianMs(repeats: o.repeats) {
      _ = try Autograd.withoutGradients { try conv2d(x, weight: w, bias: b, padding: 1, algorithm: lowering) }
    }
    for t in [x, w, b] { t.requiresGrad = true }
    let bothMs = try medianMs(repeats: o.repeats) {
      for t in [x, w, b] { t.grad = nil }
      try conv2d(x, weight: w, bias: b, padding: 1, algorithm: lowering).backward(gradient: dy)
    }
    let flops = convolutionFLOPs(
      batch: batch, inChannels: c, outChannels: c, kernelH: 3, kernelW: 3, groups: 1, outHeight: size, outWidth: size)
    let bothGflops = 3 * flops / bothMs / 1e6
    return ConvResult(
      batch: batch, channels: c, height: size, width: size, kernel: 3, forwardMs: forwardMs,
      forwardGflops: flops / forwardMs / 1e6, forwardBackwardMs: bothMs, forwardBackwardGflops: bothGflops,
      fractionOfSgemm: bothGflops / roofline)
  }
}
