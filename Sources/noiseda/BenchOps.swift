// `noiseda bench ops`: conv2d forward/backward GFLOP/s on the U-Net's shapes, beside plain
// cblas_sgemm GFLOP/s at the same thread count (the roofline). The measurement is OpsBenchmark.
import ArgumentParser
import Foundation
import Kernels
import Tensors
import Trainer

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
    print("noiseda bench ops  \(ISO8601DateFormatter().string(from: Date()))")
    #if DEBUG
      print("warning: debug build, timings are meaningless (swift build -c release)")
    #endif
    print("CPU: \(MachineInfo.cpuModel()), load average at start: \(MachineInfo.loadAverage())")
    print("OpenBLAS core: \(BLASSetup.coreName) (\(BLASSetup.configuration)), threads: \(threads)")
    let options = OpsBenchmark.Options(
      threads: threads, batch: batch, repeats: repeats, shapes: try convShapes(), algorithm: ConvolutionAlgorithm(rawValue: algorithm)!)
    let report = try OpsBenchmark.run(options, gemmsDone: { roof, convShaped in
      let s = OpsBenchmark.gemmSize
      print(String(format: "sgemm %d×%d×%d: %.1f ms, %.1f GFLOP/s (roofline)", s, s, s, roof.ms, roof.gflops))
      print(String(format: "sgemm %d×%d×%d (conv-shaped): %.1f ms, %.1f GFLOP/s", convShaped.m, convShaped.n, convShaped.k, convShaped.ms, convShaped.gflops))
      print("")
      print("conv2d 3×3, stride 1, padding 1, bias, batch \(batch), lowering \(algorithm) (median of \(repeats)):")
      print("  C_in=C_out  H×W       fwd ms  fwd GFLOP/s  fwd+bwd ms  fwd+bwd GFLOP/s  % of sgemm")
    }, shapeDone: { r in
      print(
        String(
          format: "  %10d  %@  %6.1f  %11.1f  %10.1f  %15.1f  %9.0f%%", r.channels,
          "\(r.height)×\(r.width)".padding(toLength: 8, withPad: " ", startingAt: 0),
          r.forwardMs, r.forwardGflops, r.forwardBackwardMs, r.forwardBackwardGflops, 100 * r.fractionOfSgemm))
    })
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      do {
        try encoder.encode(report).write(to: URL(fileURLWithPath: json))
      } catch {
        throw TrainerError("cannot write --json \(json): \(error.localizedDescription); check the folder is writable")
      }
      print("wrote \(json)")
    }
  }

  /// `--shapes` parsed, or the U-Net's shapes.
  func convShapes() throws -> [(channels: Int, size: Int)] {
    guard let shapes else { return OpsBenchmark.unetShapes }
    return try shapes.split(separator: ",").map { item in
      let parts = item.split(separator: ":").compactMap { Int($0) }
      guard parts.count == 2, parts[0] >= 1, parts[1] >= 1 else {
        throw ValidationError("--shapes: '\(item)' is not CHANNELS:SIZE (e.g. 128:16)")
      }
      return (parts[0], parts[1])
    }
  }
}
