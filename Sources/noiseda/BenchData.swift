// `noiseda bench data`: how fast the loaders feed training — `[B, 3, P, P]` pair batches read from
// HDF5 shards, cropped, transformed and converted on the prefetch thread, timed at the consumer.
// Without --shards it writes a temporary pair shard set of synthetic 256-px tiles and uses that.
import ArgumentParser
import Foundation
import Shards
import Tensors

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
      try BenchData.writeSyntheticPairs(to: url.path, tiles: 64, tile: max(256, patch))
      folder = url.path
    }
    let set = try ShardSet(folder: folder, verifyChecksums: false)
    let kind = LoaderKind.pairs(from: set)
    let loader = try BatchLoader(source: set, kind: kind, name: "pairs", seed: 0,
                                 options: LoaderOptions(batchSize: batch, patch: patch, workers: threads))
    let queue = PrefetchQueue(loader: loader, depth: depth)
    defer { queue.stop() }
    for _ in 0..<2 { _ = try queue.next() }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<batches { _ = try queue.next() }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let batchRate = Double(batches) / seconds, imageRate = batchRate * Double(batch)
    let source = shards ?? "temporary synthetic pairs (\(set.count) tiles of \(set.manifest.tile) px)"
    print("shards: \(source), kind \(kind), \(set.count) samples")
    print("batch \(batch)×3×\(patch)×\(patch) pairs, loader threads \(threads), prefetch depth \(depth)")
    print(String(format: "%.2f batches/s, %.1f images/s (%.1f ms per batch over %d batches)", batchRate, imageRate, 1000 / batchRate, batches))
    if let json {
      let result: [String: Any] = [
        "bench": "data", "shards": source, "kind": "\(kind)", "samples": set.count, "batch": batch, "patch": patch,
        "threads": threads, "depth": depth, "batches": batches, "seconds": seconds,
        "batches_per_s": batchRate, "images_per_s": imageRate,
      ]
      try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
    }
  }

  /// A pair shard set in `folder`: `tiles` synthetic `tile`-px pictures (smooth colour fields with
  /// texture, so deflate sees realistic entropy) and noisy copies as inputs, deflate level 4.
  static func writeSyntheticPairs(to folder: String, tiles: Int, tile: Int) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let writer = try ShardWriter(path: folder + "/pairs-000.h5", kind: .pairs, task: "bench", tile: tile,
                                 storesInput: true, storesTarget: true, deflate: 4)
    var rng = PhiloxRandom(seed: 1)
    let noise = AWGN(sigma: 25)
    for i in 0..<tiles {
      var pixels = [Float](repeating: 0, count: tile * tile * 3)
      let fx = rng.uniform(0.01, 0.1), fy = rng.uniform(0.01, 0.1)
      for y in 0..<tile {
        for x in 0..<tile {
          for c in 0..<3 {
            pixels[(y * tile + x) * 3 + c] = 0.5 + 0.3 * sin(fx * Float(x + 40 * c)) * cos(fy * Float(y)) + 0.05 * rng.uniform(-1, 1)
          }
        }
      }
      let clean = FloatImage(width: tile, height: tile, pixels: pixels)
      let noisy = noise.apply(clean, using: &rng)
      try writer.append(input: noisy.quantized(), target: clean.quantized(), source: "synthetic-\(i)")
    }
    let info = try writer.commit()
    try ShardManifest(kind: .pairs, task: "bench", tile: tile, shards: [info], skipped: []).write(folder: folder)
  }
}
