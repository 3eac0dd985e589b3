// `noiseda bench step`: whole training steps of any registered method on random data, on one
// rank or under mpirun — the figure to compare with the PyTorch reference (launch/compare.sh).
import ArgumentParser
import Comm
import Foundation
import Kernels
import Methods
import Trainer

struct BenchStep: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "step",
    abstract: "Seconds per training step, images/s, GFLOP/s and peak memory on random data (release build).")

  @Option(help: "Restorer preset (model.restorer).") var restorer: String = "unet-s"
  @Option(help: "Diffusion preset (model.diffusion, DA methods).") var diffusion: String = "diffusion-s"
  @Option(help: "Method: \(MethodRegistry.names.joined(separator: ", ")).") var method: String = "da"
  @Option(help: "Patch height and width.") var patch: Int = 128
  @Option(help: "Images per kind on each rank.") var batch: Int = 8
  @Option(help: "Threads for OpenBLAS and NoiseDA's loops on each rank.") var threads: Int = Threading.count
  @Option(help: "Timed steps (the median is reported).") var steps: Int = 5
  @Option(help: "Untimed steps first.") var warmup: Int = 2
  @Option(help: "Write rank 0's result to this JSON file.") var json: String?

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    Threading.setCount(threads)
    let comm = try Communicators.world()
    var options = StepBenchmarkOptions()
    options.restorer = restorer
    options.diffusion = diffusion
    options.method = method
    options.patch = patch
    options.batch = batch
    options.steps = steps
    options.warmup = warmup
    let result: StepBenchmarkResult
    do {
      result = try StepBenchmark(options: options, communicator: comm).run()
    } catch {
      if comm.size > 1 { comm.abort("noiseda bench step (rank \(comm.rank)): \(error)", code: 1) }
      throw error
    }
    if comm.rank == 0 {
      #if DEBUG
        print("warning: debug build, timings are meaningless (swift build -c release)")
      #endif
      let load = MachineInfo.loadAverage()
      print(
        "noiseda \(method) (\(result.networks.joined(separator: ", "))), patch \(patch), batch \(batch), \(comm.size) rank(s) × \(threads) thread(s), OpenBLAS core \(result.openblasCore), load \(load)")
      print(
        String(
          format: "%.3f s/step (median of %d; %.3f CPU s), %.2f images/s, %.1f GFLOP/s (%.1f GFLOP per step per rank), peak RSS %.0f MiB",
          result.secondsPerStep, steps, result.cpuSecondsPerStep, result.imagesPerSecond, result.gflops, result.flopsPerStep / 1e9,
          result.peakResidentMiB.last ?? 0))
      print("peak RSS per step (MiB): " + result.peakResidentMiB.map { String(format: "%.0f", $0) }.joined(separator: " "))
      print("new pool buffers per step: " + result.freshAllocations.map(String.init).joined(separator: " "))
      if let json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: URL(fileURLWithPath: json))
      }
    }
    try comm.finalize()
  }
}
