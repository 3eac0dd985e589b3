// BatchLoader: one rank's stream of training batches of one data kind — sample indices from the
// DistributedSampler, images from a TileSource, then crop, dihedral transform, float conversion
// and, for pairs stored clean, an on-the-fly degradation of the crop (AWGN by default). Every random choice of a sample comes
// from a stream derived from (seed, rank, loader name, epoch, position), so a cursor restores it.
import Dispatch
import Tensors

/// What a loader delivers, by the kind of data its source holds.
public enum LoaderKind: Equatable, Sendable {
  /// Stored (degraded, clean) pairs; both share one crop and transform.
  case pairs
  /// Real degraded images without ground truth (`input` only).
  case real
  /// Clean images (`target` only), e.g. the unpaired extension's MS-COCO references.
  case clean
  /// Denoising pairs from clean images: input = target + N(0, σ²) added after augmentation, one
  /// σ per image uniform in `sigma` (0–255 scale, algorithms.md §1.1 uses 0...75), no clipping.
  case noisyPairs(sigma: ClosedRange<Float>)
  /// Pairs from clean images: input = the degradation named (as `noiseda convert --degrade`
  /// spells it) applied to the augmented crop in [0, 1], unquantised, e.g. `sr4:pool` for I2SB.
  case degradedPairs(degradation: String)

  /// The kind for a source of training pairs: `.pairs` when it stores degraded inputs, else
  /// `.degradedPairs` when a degradation is named, else `.noisyPairs(sigma:)` (denoising pairs
  /// stored clean; σ on the 0–255 scale).
  public static func pairs(from source: TileSource, noiseSigma: ClosedRange<Float> = 0...75, degradation: String? = nil) -> LoaderKind {
    if source.hasInput { return .pairs }
    return degradation.map { .degradedPairs(degradation: $0) } ?? .noisyPairs(sigma: noiseSigma)
  }

  /// Whether the kind reads the stored degraded input / the stored clean target.
  var readsInput: Bool { self == .pairs || self == .real }
  var readsTarget: Bool { self != .real }
}

/// Batch shape and sampling options.
public struct LoaderOptions: Equatable, Sendable {
  /// Images per batch on this rank.
  public var batchSize: Int
  /// Side of the square crops.
  public var patch: Int
  /// Output value range.
  public var range: PixelRange
  /// Draw one of the 8 dihedral transforms per sample (else identity).
  public var augment: Bool
  /// Reshuffle every epoch (else the stored order).
  public var shuffle: Bool
  /// Drop the samples that do not divide evenly among ranks (else wrap around, as PyTorch).
  public var dropLast: Bool
  /// Threads cropping and converting the samples of one batch.
  public var workers: Int

  public init(batchSize: Int = 8, patch: Int = 128, range: PixelRange = .unit, augment: Bool = true,
              shuffle: Bool = true, dropLast: Bool = false, workers: Int = 1) {
    self.batchSize = batchSize
    self.patch = patch
    self.range = range
    self.augment = augment
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.workers = workers
  }
}

/// One batch: `input` / `target` are `[B, 3, P, P]` (nil when the kind has none), `indices` the
/// source samples, `sigmas` the per-image noise σ on the [0, 1] scale (noisy pairs only, else
/// empty), `cursor` the loader position after this batch (what a checkpoint stores).
public struct Batch: @unchecked Sendable {
  public let input: Tensor?
  public let target: Tensor?
  public let indices: [Int]
  public let sigmas: [Float]
  public let cursor: LoaderCursor
}

/// Draws batches of one kind for one rank; batches run on across epoch boundaries, so every
/// batch is full. Not thread-safe: one consumer (or one `PrefetchQueue`) at a time.
public final class BatchLoader {
  public let source: TileSource
  public let kind: LoaderKind
  public let sampler: DistributedSampler
  public let options: LoaderOptions
  /// The next sample to read.
  public private(set) var cursor: LoaderCursor
  private let streams: RandomStreams
  private var epochOrder: (epoch: Int, indices: [Int])?

  /// A loader named `name` (its streams' name: give each loader of a run its own) reading
  /// `source` for rank `rank` of `worldSize`, starting at `cursor`. Throws when the source lacks
  /// the images `kind` needs or the options cannot work.
  public init(source: TileSource, kind: LoaderKind, name: String, seed: UInt64, rank: Int = 0, worldSize: Int = 1,
              options: LoaderOptions = LoaderOptions(), cursor: LoaderCursor = LoaderCursor()) throws {
    if kind.readsInput && !source.hasInput || kind.readsTarget && !source.hasTarget {
      throw LoaderError("loader '\(name)' (\(kind)) needs \(kind.readsInput ? "degraded inputs" : "")\(kind.readsInput && kind.readsTarget ? " and " : "")\(kind.readsTarget ? "clean targets" : ""), which its shards lack; convert them with the matching --kind")
    }
    guard options.batchSize >= 1, options.patch >= 1, options.workers >= 1 else {
      throw LoaderError("loader '\(name)': batch \(options.batchSize), patch \(options.patch) and workers \(options.workers) must be at least 1")
    }
    if case .noisyPairs(let sigma) = kind, sigma.lowerBound < 0 {
      throw LoaderError("loader '\(name)': noise σ range \(sigma) must not be negative")
    }
    if case .degradedPairs(let degradationName) = kind {
      do {
        _ = try degradation(named: degradationName)
      } catch {
        throw LoaderError("loader '\(name)': \(error)")
      }
    }
    guard cursor.epoch >= 0, cursor.position >= 0 else {
      throw LoaderError("loader '\(name)': cursor \(cursor) is negative; the checkpoint is damaged")
    }
    self.source = source
    self.kind = kind
    self.options = options
    self.sampler = try DistributedSampler(count: source.count, rank: rank, worldSize: worldSize, seed: seed, name: name,
                                          shuffle: options.shuffle, dropLast: options.dropLast)
    guard cursor.position <= sampler.samplesPerRank else {
      throw LoaderError("loader '\(name)': cursor position \(cursor.position) is past this rank's \(sampler.samplesPerRank) samples per epoch; resume with the same data and rank count")
    }
    self.cursor = cursor
    self.streams = RandomStreams(seed: seed, rank: rank)
  }

  /// The next batch; advances the cursor.
  public func next() throws -> Batch {
    let b = options.batchSize, p = options.patch
    var picks: [(index: Int, at: LoaderCursor)] = []
    var position = cursor
    for _ in 0..<b {
      if position.position == sampler.samplesPerRank { position = LoaderCursor(epoch: position.epoch + 1, position: 0) }
      picks.append((order(epoch: position.epoch)[position.position], position))
      position.position += 1
    }
    // Reads stay on this thread (HDF5 serialises them anyway); cropping and conversion fan out.
    let samples = try picks.map { try readSample($0.index) }
    let noise: AWGN? = if case .noisyPairs(let sigma) = kind { AWGN(sigma: sigma) } else { nil }
    let onTheFly: Degradation? = if case .degradedPairs(let name) = kind { try degradation(named: name) } else { nil }
    let input = kind.readsInput || noise != nil || onTheFly != nil ? Tensor(uninitialized: [b, 3, p, p]) : nil
    let target = kind.readsTarget ? Tensor(uninitialized: [b, 3, p, p]) : nil
    let inputData = input?.data, targetData = target?.data
    let sigmas = UnsafeMutableBufferPointer<Float>.allocate(capacity: b)
    defer { sigmas.deallocate() }
    let plane = 3 * p * p
    let name = sampler.name, streams = streams, options = options
    forEach(b, workers: options.workers) { i in
      var rng = streams.stream("\(name)/e\(picks[i].at.epoch)/p\(picks[i].at.position)")
      let (degraded, clean) = samples[i]
      // A pair shares one transform; single images (real or clean) draw their own.
      let reference = (degraded ?? clean)!
      let t = PatchTransform.random(width: reference.width, height: reference.height, patch: p, augment: options.augment, using: &rng)
      if let degraded, let inputData { t.write(degraded, to: inputData + i * plane, range: options.range) }
      if let clean, let targetData { t.write(clean, to: targetData + i * plane, range: options.range) }
      if let noise, let inputData, let targetData {
        let sigma = noise.drawSigma(using: &rng)
        sigmas[i] = sigma
        (inputData + i * plane).update(from: targetData + i * plane, count: plane)
        AWGN.addNoise(inputData + i * plane, count: plane, sigma: sigma * options.range.spread, using: &rng)
      }
      if let onTheFly, let inputData, let targetData {
        let crop = FloatImage(planar: targetData + i * plane, side: p, range: options.range)
        onTheFly.apply(crop, using: &rng).writePlanar(to: inputData + i * plane, range: options.range)
      }
    }
    cursor = position
    return Batch(input: input, target: target, indices: picks.map(\.index), sigmas: noise == nil ? [] : Array(sigmas), cursor: position)
  }

  /// This rank's order for `epoch` (recomputed once per epoch).
  private func order(epoch: Int) -> [Int] {
    if let cached = epochOrder, cached.epoch == epoch { return cached.indices }
    let indices = sampler.indices(epoch: epoch)
    epochOrder = (epoch, indices)
    return indices
  }

  /// Sample `index` with the images this kind uses, resized up to the patch when smaller
  /// (algorithms.md §1.1: bilinearly to P × P).
  private func readSample(_ index: Int) throws -> (RGBImage?, RGBImage?) {
    let (input, target) = try source.sample(index)
    let degraded = kind.readsInput ? input : nil
    let clean = kind.readsTarget ? target : nil
    if kind.readsInput && degraded == nil || kind.readsTarget && clean == nil {
      throw LoaderError("loader '\(sampler.name)': sample \(index) has no \(degraded == nil ? "input" : "target") image; the shard is incomplete, re-run noiseda convert")
    }
    if let degraded, let clean, degraded.width != clean.width || degraded.height != clean.height {
      throw LoaderError("loader '\(sampler.name)': sample \(index) pairs a \(degraded.width)×\(degraded.height) input with a \(clean.width)×\(clean.height) target; re-run noiseda convert")
    }
    let p = options.patch
    func fit(_ image: RGBImage?) -> RGBImage? {
      guard let image, image.width < p || image.height < p else { return image }
      return image.resizedBilinear(width: p, height: p)
    }
    return (fit(degraded), fit(clean))
  }

  /// Calls `body(i)` for i in 0..<n on up to `workers` threads.
  private func forEach(_ n: Int, workers: Int, _ body: (Int) -> Void) {
    let threads = min(workers, n)
    if threads <= 1 {
      for i in 0..<n { body(i) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      for i in stride(from: t, to: n, by: threads) { body(i) }
    }
  }
}
