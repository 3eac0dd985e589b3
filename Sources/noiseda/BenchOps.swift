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

  func run() throws {
    Threading.setCount(threads)
    print("OpenBLAS core: \(BLASSetup.coreName), threads: \(threads)")
  }
}
