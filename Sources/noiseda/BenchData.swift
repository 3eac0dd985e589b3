// `noiseda bench data`: how fast the loaders feed training (LoaderBenchmark). Without --shards it
// writes a temporary pair shard set of synthetic 256-px tiles (SyntheticPairShards) and uses that.
import ArgumentParser
import Foundation
import Shards

struct BenchData: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data", abstract: "Pair-batch throughput of the shard loader with its prefetch thread.")

  @Option(help: "Shard folder of training pairs (from noiseda convert --kind pairs); default: a temporary synthetic set.")
  var shards: String?
  @Option(help: "Loader threads cropping and converting the images of a batch.") var threads: Int = 1
  @Option(help: "Pairs per batch.") var batch: Int = 8
  @Option(help: "Crop side in pixels.") var patch: Int = 128
  @Option(help: "Timed batches (after 2 warm-up batches).") var batches: Int = 100
  @Option(help: "Batches the prefetch thread keeps ready.") var depth: Int = 4
  @Option(help: "Write machine-readable results to this JSON file.") var json: String?

  func validate() throws {
    guard threads >= 1, batch >= 1, patch >= 1, batches >= 1, depth >= 1 else {
      throw ValidationError("--threads, --batch, --patch, --batches and --depth must be at least 1")
    }
  }

  func run() throws {
    var temporary: URL?
    defer { temporary.map { try? FileManager.default.removeItem(at: $0) } }
    let folder: String
    if let shards {
      folder = shards
    } else {
      let url = FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-bench-data-\(UUID().uuidString)")
      temporary = url
      try SyntheticPairShards.write(to: url.path, tiles: 64, tile: max(256, patch))
      folder = url.path
    }
    let set = try ShardSet(folder: folder, verifyChecksums: false)
    let r = try LoaderBenchmark.measure(set, batch: batch, patch: patch, threads: threads, depth: depth, batches: batches)
    let source = shards ?? "temporary synthetic pairs (\(set.count) tiles of \(set.manifest.tile) px)"
    print("shards: \(source), kind \(r.kind), \(r.samples) samples")
    print("batch \(batch)×3×\(patch)×\(patch) pairs, loader threads \(threads), prefetch depth \(depth)")
    print(String(format: "%.2f batches/s, %.1f images/s (%.1f ms per batch over %d batches)", r.batchesPerSecond, r.imagesPerSecond, 1000 / r.batchesPerSecond, batches))
    if let json {
      let result: [String: Any] = [
        "bench": "data", "shards": source, "kind": r.kind, "samples": r.samples, "batch": batch, "patch": patch,
        "threads": threads, "depth": depth, "batches": batches, "seconds": r.seconds,
        "batches_per_s": r.batchesPerSecond, "images_per_s": r.imagesPerSecond,
      ]
      try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
    }
  }
}
