// TrainingData: the rank's prefetching loaders for the data kinds the method reads (synthetic
// pairs, real degraded images, clean references), built from the config's shard folders, and
// their cursors for checkpoints.
import Methods
import Shards
import Tensors

/// One rank's loaders, one per data kind, in the method's order.
public final class TrainingData {
  /// Loader names (the kinds' names) in checkpoint order; also the loaders' RNG stream names.
  public let names: [String]
  private let queues: [PrefetchQueue]
  private let kinds: [DataKind]

  /// Opens the shard set of each of `kinds` (`data.pairs`, `data.real`, `data.clean`) and starts
  /// prefetching from `cursors` (by loader name; missing → start).
  init(kinds: [DataKind], settings: ConfigReading, seed: UInt64, rank: Int, worldSize: Int, cursors: [String: LoaderCursor] = [:]) throws {
    let options = LoaderOptions(
      batchSize: settings.int("data.batch"), patch: settings.int("data.patch"),
      range: settings.pixelRange, augment: settings.bool("data.augment"))
    let depth = max(settings.int("data.prefetch"), 1)
    var queues: [PrefetchQueue] = []
    for kind in kinds {
      let key = kind.configKey
      let folder = settings.string(key)
      guard !folder.isEmpty else {
        throw ConfigError(description: "\(key) is empty; set it to a shard folder made by `noiseda convert` (e.g. --set \(key)=shards/demo/\(kind.rawValue))")
      }
      let source = try ShardSet(folder: folder)
      let loaderKind: LoaderKind
      switch kind {
      case .pairs:
        let sigma = settings.doubles("data.sigma_range")
        guard sigma.count == 2, sigma[0] >= 0, sigma[0] <= sigma[1] else {
          throw ConfigError(description: "data.sigma_range = \(sigma) must be [lo, hi] with 0 ≤ lo ≤ hi (0–255 scale)")
        }
        let degrade = settings.string("data.degrade")
        loaderKind = LoaderKind.pairs(from: source, noiseSigma: Float(sigma[0])...Float(sigma[1]), degradation: degrade.isEmpty ? nil : degrade)
      case .real: loaderKind = .real
      case .clean: loaderKind = .clean
      }
      let loader = try BatchLoader(source: source, kind: loaderKind, name: kind.rawValue, seed: seed, rank: rank, worldSize: worldSize,
                                   options: options, cursor: cursors[kind.rawValue] ?? LoaderCursor())
      queues.append(PrefetchQueue(loader: loader, depth: depth))
    }
    self.kinds = kinds
    self.queues = queues
    names = kinds.map(\.rawValue)
  }

  deinit { queues.forEach { $0.stop() } }

  /// The next batch of every kind.
  public func next() throws -> TrainingBatch {
    var batch = TrainingBatch()
    for (kind, queue) in zip(kinds, queues) {
      let b = try queue.next()
      switch kind {
      case .pairs:
        guard let input = b.input, let target = b.target else { throw LoaderError("pair loader delivered a batch without input or target") }
        (batch.syntheticInput, batch.syntheticTarget) = (input, target)
      case .real: batch.realInput = b.input
      case .clean: batch.clean = b.target
      }
    }
    return batch
  }

  /// Positions after the last delivered batches, by loader name.
  public var cursors: [String: LoaderCursor] {
    Dictionary(uniqueKeysWithValues: zip(names, queues.map(\.cursor)))
  }

  /// The first loader's epoch counted from 1 (what DA's λ ramp of eq. 5 uses).
  public var epoch: Int { (queues.first?.cursor.epoch ?? 0) + 1 }
}

extension ConfigReading {
  /// The task's pixel range (algorithms.md §1.1): [0, 1] for denoising, [−1, 1] for the others.
  public var pixelRange: PixelRange { string("method.task") == "denoise" ? .unit : .symmetric }
}
