// LoaderBenchmark: what `noiseda bench data` measures — how fast the loaders feed training:
// `[B, 3, P, P]` pair batches read from HDF5 shards, cropped, transformed and converted on the
// prefetch thread, timed at the consumer after two warm-up batches.
import Dispatch
import Foundation

/// Pair-batch throughput of one shard set.
public struct LoaderBenchmark: Codable, Sendable {
  public let samples: Int
  public let kind: String
  public let batch: Int
  public let patch: Int
  public let threads: Int
  public let depth: Int
  public let batches: Int
  public let seconds: Double

  public var batchesPerSecond: Double { Double(batches) / seconds }
  public var imagesPerSecond: Double { batchesPerSecond * Double(batch) }

  /// Times `batches` pair batches from `set` (after 2 untimed ones) with `threads` loader threads
  /// and `depth` batches prefetched.
  public static func measure(_ set: ShardSet, batch: Int, patch: Int, threads: Int, depth: Int, batches: Int) throws -> LoaderBenchmark {
    let kind = LoaderKind.pairs(from: set)
    let loader = try BatchLoader(source: set, kind: kind, name: "pairs", seed: 0,
                                 options: LoaderOptions(batchSize: batch, patch: patch, workers: threads))
    let queue = PrefetchQueue(loader: loader, depth: depth)
    defer { queue.stop() }
    for _ in 0..<2 { _ = try queue.next() }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<batches { _ = try queue.next() }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return LoaderBenchmark(samples: set.count, kind: "\(kind)", batch: batch, patch: patch, threads: threads, depth: depth,
                           batches: batches, seconds: seconds)
  }
}
