// `noiseda bench ops`: conv2d forward/backward GFLOP/s on the U-Net's shapes, beside plain
// cblas_sgemm GFLOP/s at the same thread count (the roofline).
import ArgumentParser
import Foundation
import Kernels
import Tensors

struct BenchOps: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ops", abstract: "conv2d 3×3 forward/backward time and GFLOP/s against sgemm.")

  @Option(help: "Threads for OpenBLAS and NoiseDA's loops.") var threads: Int = Threading.count
  @Option(help: "Batch size.") var batch: Int = 8
  @Option(help: "Timed repetitions per shape (the median is printed).") var repeats: Int = 5
  @Option(help: "Write machine-readable results to this JSON file.") var json: String?
  @Option(help: "Shapes as CHANNELS:SIZE list, e.g. 128:16,128:8 (default: the U-Net's, 32:128,64:128,128:64,256:32,512:16).")
  var shapes: String?
  @Option(help: "conv2d lowering: automatic (by shape), im2col or winograd (3×3 stride-1 convolutions).")
  var algorithm: String = ConvolutionAlgorithm.automatic.rawValue

  /// The U-Net's 3×3 convolutions: C_in = C_out, spatial size halving per doubling of channels.
  static let unetShapes: [(channels: Int, size: Int)] = [(32, 128), (64, 128), (128, 64), (256, 32), (512, 16)]
  /// The roofline GEMM: square, large enough for OpenBLAS's best kernels.
  static let gemmSize = 2048

  struct GemmResult: Codable {
    let m: Int, n: Int, k: Int, ms: Double, gflops: Double
  }

  struct ConvResult: Codable {
    let batch: Int, channels: Int, height: Int, width: Int, kernel: Int
    let forwardMs: Double, forwardGflops: Double
    let forwardBackwardMs: Double, forwardBackwardGflops: Double
    let fractionOfSgemm: Double
  }

  struct Report: Codable {
    let date: String, cpu: String, openblasCore: String, openblasConfig: String, threads: Int, repeats: Int, algorithm: String
    /// /proc/loadavg's 1-minute figure at the start: other processes competing for the cores.
    let loadAverage: String
    let sgemm: GemmResult, sgemmConvShaped: GemmResult
    let conv2d: [ConvResult]
  }

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    _ = try convShapes()
    guard ConvolutionAlgorithm(rawValue: algorithm) != nil else {
      throw ValidationError(
        "--algorithm \(algorithm): unknown; use one of \(ConvolutionAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    if let json {
      let directory = URL(fileURLWithPath: json).deletingLastPathComponent().path
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("--json \(json): directory \(directory) does not exist; create it or choose another path")
      }
    }
  }

  func run() throws {
    Threading.setCount(threads)
    let cpu = Self.cpuModel()
    let date = ISO8601DateFormatter().string(from: Date())
    print("noiseda bench ops  \(date)")
    #if DEBUG
      print("warning: debug build, timings are meaningless (swift build -c release)")
    #endif
    let load = Self.loadAverage()
    print("CPU: \(cpu), load average at start: \(load)")
    print("OpenBLAS core: \(BLASSetup.coreName) (\(BLASSetup.configuration)), threads: \(threads)")
    let s = Self.gemmSize
    let roof = measureGemm(m: s, n: s, k: s)
    // conv2d 64→64 3×3 at 128×128 as one image's GEMM: [C_out × 9·C_in] · [9·C_in × H·W].
    let convShaped = measureGemm(m: 64, n: 128 * 128, k: 64 * 9)
    print(String(format: "sgemm %d×%d×%d: %.1f ms, %.1f GFLOP/s (roofline)", s, s, s, roof.ms, roof.gflops))
    print(String(format: "sgemm %d×%d×%d (conv-shaped): %.1f ms, %.1f GFLOP/s", 64, 16384, 576, convShaped.ms, convShaped.gflops))
    print("")
    print("conv2d 3×3, stride 1, padding 1, bias, batch \(batch), lowering \(algorithm) (median of \(repeats)):")
    print("  C_in=C_out  H×W       fwd ms  fwd GFLOP/s  fwd+bwd ms  fwd+bwd GFLOP/s  % of sgemm")
    var results: [ConvResult] = []
    let shapeList = try convShapes()
    // One untimed pass over the first shape: the first measurement would otherwise pay for the
    // worker threads' and buffer pool's start-up (it read 2× slow at 2 threads).
    _ = try measureConv(channels: shapeList[0].channels, size: shapeList[0].size, roofline: roof.gflops)
    for (c, size) in shapeList {
      let r = try measureConv(channels: c, size: size, roofline: roof.gflops)
      results.append(r)
      print(
        String(
          format: "  %10d  %@  %6.1f  %11.1f  %10.1f  %15.1f  %9.0f%%", c,
          "\(size)×\(size)".padding(toLength: 8, withPad: " ", startingAt: 0),
          r.forwardMs, r.forwardGflops, r.forwardBackwardMs, r.forwardBackwardGflops, 100 * r.fractionOfSgemm))
    }
    if let json {
      let report = Report(
        date: date, cpu: cpu, openblasCore: BLASSetup.coreName, openblasConfig: BLASSetup.configuration,
        threads: threads, repeats: repeats, algorithm: algorithm, loadAverage: load, sgemm: roof, sgemmConvShaped: convShaped, conv2d: results)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      do {
        try encoder.encode(report).write(to: URL(fileURLWithPath: json))
      } catch {
        throw BenchOutputError(description: "cannot write --json \(json): \(error.localizedDescription)")
      }
      print("wrote \(json)")
    }
  }

  /// `--shapes` parsed, or the U-Net's shapes.
  func convShapes() throws -> [(channels: Int, size: Int)] {
    guard let shapes else { return Self.unetShapes }
    return try shapes.split(separator: ",").map { item in
      let parts = item.split(separator: ":").compactMap { Int($0) }
      guard parts.count == 2, parts[0] >= 1, parts[1] >= 1 else {
        throw ValidationError("--shapes: '\(item)' is not CHANNELS:SIZE (e.g. 128:16)")
      }
      return (parts[0], parts[1])
    }
  }

  /// Median wall time of `repeats` runs of `body`, after one warm-up run, in milliseconds.
  func medianMs(_ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
  }

  func measureGemm(m: Int, n: Int, k: Int) -> GemmResult {
    let a = Tensor(shape: [m, k], repeating: 0.5)
    let b = Tensor(shape: [k, n], repeating: 0.25)
    let c = Tensor(uninitialized: [m, n])
    let ms = medianMs {
      sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, beta: 0, c: c.data, ldc: n)
    }
    return GemmResult(m: m, n: n, k: k, ms: ms, gflops: 2 * Double(m) * Double(n) * Double(k) / ms / 1e6)
  }

  func measureConv(channels c: Int, size: Int, roofline: Double) throws -> ConvResult {
    var rng = PhiloxRandom(seed: 1, stream: 0)
    let x = Tensor.uniform([batch, c, size, size], -1, 1, using: &rng)
    let bound = 1 / Float(9 * c).squareRoot()
    let w = Tensor.uniform([c, c, 3, 3], -bound, bound, using: &rng)
    let b = Tensor.uniform([c], -bound, bound, using: &rng)
    let dy = Tensor.uniform([batch, c, size, size], -1, 1, using: &rng)
    let lowering = ConvolutionAlgorithm(rawValue: algorithm) ?? .automatic
    let forwardMs = try medianMs {
      _ = try Autograd.withoutGradients { try conv2d(x, weight: w, bias: b, padding: 1, algorithm: lowering) }
    }
    for t in [x, w, b] { t.requiresGrad = true }
    let bothMs = try medianMs {
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

  /// A results file that could not be written (one line, after the measurements).
  struct BenchOutputError: Error, CustomStringConvertible {
    let description: String
  }

  /// The 1-minute load average from /proc/loadavg ("unknown" elsewhere).
  static func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").first.map(String.init) ?? "unknown"
  }

  /// The CPU's model name, family and model number from /proc/cpuinfo ("unknown" elsewhere).
  static func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    let name = fields["model name"] ?? "unknown"
    guard let family = fields["cpu family"], let model = fields["model"] else { return name }
    return "\(name) (family \(family), model \(model))"
  }
}
