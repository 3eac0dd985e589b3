// TrainingData: the rank's prefetching loaders for the data kinds the method uses (synthetic
// pairs, real degraded images, clean references), built from the config's shard folders, and
// their cursors for checkpoints.
import Methods
import Shards
import Tensors

/// One rank's loaders, in a fixed order: pairs, then real, then clean (as present).
public final class TrainingData {
  /// Loader names in checkpoint order; the names are also the loaders' RNG stream names.
  public let names: [String]
  private let queues: [PrefetchQueue]
  private let pairs: PrefetchQueue
  private let real: PrefetchQueue?
  private let clean: PrefetchQueue?

  /// Opens the shard sets named by `data.pairs`, `data.real` (when `needsReal`) and `data.clean`
  /// (when `needsClean`) and starts prefetching from `cursors` (by loader name; missing → start).
  public init(config: RunConfig, seed: UInt64, rank: Int, worldSize: Int, needsReal: Bool, needsClean: Bool,
              cursors: [String: LoaderCursor] = [:]) throws {
    let options = LoaderOptions(
      batchSize: config.int("data.batch"), patch: config.int("data.patch"),
      range: config.pixelRange, augment: config.bool("data.augment"))
    let sigma = config.doubles("data.sigma_range")
    guard sigma.count == 2, sigma[0] >= 0, sigma[0] <= sigma[1] else {
      throw ConfigError(description: "data.sigma_range = \(sigma) must be [lo, hi] with 0 ≤ lo ≤ hi (0–255 scale)")
    }
    let depth = max(config.int("data.prefetch"), 1)
    func open(_ key: String, kind: (TileSource) -> LoaderKind) throws -> PrefetchQueue {
      let folder = config.string(key)
      guard !folder.isEmpty else {
        throw ConfigError(description: "\(key) is empty; set it to a shard folder made by `noiseda convert` (e.g. --set \(key)=shards/demo/\(key.dropFirst(5)))")
      }
      let source = try ShardSet(folder: folder)
      let name = String(key.dropFirst(5))
      let loader = try BatchLoader(source: source, kind: kind(source), name: name, seed: seed, rank: rank, worldSize: worldSize,
                                   options: options, cursor: cursors[name] ?? LoaderCursor())
      return PrefetchQueue(loader: loader, depth: depth)
    }
    let range = Float(sigma[0])...Float(sigma[1])
    pairs = try open("data.pairs") { LoaderKind.pairs(from: $0, noiseSigma: range) }
    real = needsReal ? try open("data.real") { _ in .real } : nil
    clean = needsClean ? try open("data.clean") { _ in .clean } : nil
    queues = [pairs] + [real, clean].compactMap { $0 }
    names = ["pairs"] + (real != nil ? ["real"] : []) + (clean != nil ? ["clean"] : [])
  }

  deinit { queues.forEach { $0.stop() } }

  /// The next batch of every kind.
  public func next() throws -> TrainingBatch {
    let p = try pairs.next()
    guard let input = p.input, let target = p.target else { throw LoaderError("pair loader delivered a batch without input or target") }
    return TrainingBatch(syntheticInput: input, syntheticTarget: target, realInput: try real?.next().input, clean: try clean?.next().target)
  }

  /// Positions after the last delivered batches, by loader name.
  public var cursors: [String: LoaderCursor] {
    Dictionary(uniqueKeysWithValues: zip(names, queues.map(\.cursor)))
  }

  /// The pair loader's epoch counted from 1 (what the λ ramp of eq. 5 uses).
  public var epoch: Int { pairs.cursor.epoch + 1 }
}

extension RunConfig {
  /// The task's pixel range (algorithms.md §1.1): [0, 1] for denoising, [−1, 1] for the others.
  public var pixelRange: PixelRange { string("method.task") == "denoise" ? .unit : .symmetric }
}
