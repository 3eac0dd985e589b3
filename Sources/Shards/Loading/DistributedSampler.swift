// DistributedSampler: which samples each rank reads in each epoch, with PyTorch's
// DistributedSampler semantics (per-epoch permutation shared by all ranks, rank r takes every
// N-th index starting at r, padding by wrapping or dropping the tail), so N ranks see each
// sample once per epoch. The permutation comes from the run seed, so any rank can recompute it.
import Tensors

/// The per-rank, per-epoch index order over a source of `count` samples.
public struct DistributedSampler: Equatable, Sendable {
  /// Samples in the source.
  public let count: Int
  public let rank: Int
  public let worldSize: Int
  /// Run seed; with `name` it fixes every epoch's permutation.
  public let seed: UInt64
  /// Distinguishes samplers of one run (e.g. "pairs" and "real" reshuffle independently).
  public let name: String
  /// Permute each epoch (false: 0..<count in order, as PyTorch's shuffle=False).
  public let shuffle: Bool
  /// Drop the tail that does not divide evenly (else pad by wrapping around, as PyTorch).
  public let dropLast: Bool

  /// Samples rank `rank` reads per epoch: ⌈count / N⌉, or ⌊count / N⌋ with `dropLast`.
  public var samplesPerRank: Int { dropLast ? count / worldSize : (count + worldSize - 1) / worldSize }

  /// Throws when the rank is outside `0..<worldSize` or no rank would get a sample.
  public init(count: Int, rank: Int = 0, worldSize: Int = 1, seed: UInt64, name: String,
              shuffle: Bool = true, dropLast: Bool = false) throws {
    guard worldSize >= 1, (0..<worldSize).contains(rank) else {
      throw LoaderError("sampler '\(name)': rank \(rank) is outside 0..<\(worldSize); pass the communicator's rank and size")
    }
    guard count > 0, !(dropLast && count < worldSize) else {
      throw LoaderError("sampler '\(name)': \(count) samples cannot feed \(worldSize) ranks\(dropLast ? " with drop_last" : ""); convert more data or use fewer ranks")
    }
    self.count = count
    self.rank = rank
    self.worldSize = worldSize
    self.seed = seed
    self.name = name
    self.shuffle = shuffle
    self.dropLast = dropLast
  }

  /// This rank's `samplesPerRank` sample indices for `epoch`, in reading order.
  public func indices(epoch: Int) -> [Int] {
    var order: [Int]
    if shuffle {
      var rng = RandomStreams(seed: seed, rank: rank).stream("\(name)/epoch-\(epoch)", shared: true)
      order = rng.permutation(count)
    } else {
      order = Array(0..<count)
    }
    let total = samplesPerRank * worldSize
    if total > count {
      let head = order
      while order.count < total { order += head.prefix(total - order.count) }
    } else {
      order.removeLast(count - total)
    }
    return stride(from: rank, to: total, by: worldSize).map { order[$0] }
  }
}
