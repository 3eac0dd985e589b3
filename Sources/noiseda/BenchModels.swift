// `noiseda bench models`: forward and forward+backward images/s and GFLOP/s of the restorer
// and the diffusion net (default unet-s and diffusion-s at 128×128, batch 8).
import ArgumentParser
import Foundation
import Kernels
import Layers

struct BenchModels: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models", abstract: "Forward and forward+backward throughput of model presets.")

  @Option(help: "Comma-separated presets.") var models: String = "unet-s,diffusion-s"
  @Option(help: "Threads for OpenBLAS and NoiseDA's loops.") var threads: Int = Threading.count
  @Option(help: "Batch size.") var batch: Int = 8
  @Option(help: "Input height and width.") var size: Int = 128
  @Option(help: "Timed repetitions per pass (the median is printed).") var repeats: Int = 3
  @Option(help: "Write machine-readable results to this JSON file.") var json: String?

  func validate() throws {
    guard batch > 0, size > 0, repeats > 0 else { throw ValidationError("--batch, --size and --repeats must be positive") }
    for name in models.split(separator: ",") where !ModelPresets.names.contains(String(name)) {
      throw ValidationError("unknown model '\(name)'; choose from: \(ModelPresets.names.joined(separator: ", "))")
    }
  }

  func run() throws {
    Threading.setCount(threads)
    print("OpenBLAS core: \(BLASSetup.coreName), threads: \(threads), batch \(batch), \(size)×\(size)")
    var results: [ModelBenchmark] = []
    for name in models.split(separator: ",").map(String.init) {
      let r = try ModelBenchmark.measure(name, batch: batch, size: size, repeats: repeats)
      results.append(r)
      print(
        String(
          format: "%@: %.2f GFLOPs/image | forward %.3f s, %.2f img/s, %.1f GFLOP/s | forward+backward %.3f s, %.2f img/s, %.1f GFLOP/s",
          name, r.forwardFlopsPerImage / 1e9, r.forwardSeconds, r.forwardImagesPerSecond, r.forwardGFLOPs,
          r.trainSeconds, r.trainImagesPerSecond, r.trainGFLOPs))
    }
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(results).write(to: URL(fileURLWithPath: json))
    }
  }
}
