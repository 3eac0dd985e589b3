// LoaderTests: crops and dihedral transforms are right and shared within a pair, values land in
// the requested range, on-the-fly AWGN has its σ, a cursor resumes the exact batches, and the
// prefetch queue matches direct loading, propagates errors and stops.
@testable import Shards
import Foundation
import Tensors
import XCTest

final class LoaderTests: XCTestCase {
  /// Reference dihedral transform on a square HWC patch, written independently of
  /// PatchTransform: vertical flip first (when t ≥ 4), then t % 4 counter-clockwise quarter turns
  /// as numpy's rot90 (out[i][j] = in[j][n − 1 − i]).
  private func referenceDihedral(_ p: [[[UInt8]]], _ t: Int) -> [[[UInt8]]] {
    var m = t >= 4 ? Array(p.reversed()) : p
    let n = m.count
    for _ in 0..<(t % 4) {
      let old = m
      m = (0..<n).map { i in (0..<n).map { j in old[j][n - 1 - i] } }
    }
    return m
  }

  /// The `n × n` window of `image` at (x, y), as rows of pixels.
  private func window(_ image: RGBImage, x: Int, y: Int, n: Int) -> [[[UInt8]]] {
    (0..<n).map { i in (0..<n).map { j in Array(image.pixels[((y + i) * image.width + x + j) * 3..<((y + i) * image.width + x + j) * 3 + 3]) } }
  }

  /// Item `b` of a `[B, 3, P, P]` unit-range batch back as rows of byte pixels.
  private func item(_ t: Tensor, _ b: Int) -> [[[UInt8]]] {
    let p = t.shape[2], plane = p * p
    return (0..<p).map { i in
      (0..<p).map { j in (0..<3).map { c in UInt8((t.data[b * 3 * plane + c * plane + i * p + j] * 255).rounded()) } }
    }
  }

  func testPatchTransformMatchesTheReferenceDihedralGroup() {
    var rng = PhiloxRandom(seed: 1)
    let image = RGBImage(width: 9, height: 8, pixels: (0..<216).map { _ in UInt8(rng.int(below: 256)) })
    var outputs: [[[[UInt8]]]] = []
    let out = Tensor(uninitialized: [1, 3, 5, 5])
    for t in 0..<8 {
      PatchTransform(x: 3, y: 2, patch: 5, dihedral: t).write(image, to: out.data, range: .unit)
      XCTAssertEqual(item(out, 0), referenceDihedral(window(image, x: 3, y: 2, n: 5), t), "transform \(t)")
      outputs.append(item(out, 0))
    }
    XCTAssertEqual(Set(outputs.map { "\($0)" }).count, 8)
  }

  func testCropsAreWindowsOfTheTileUnderAllEightTransforms() throws {
    let source = InMemoryTiles.random(count: 3, width: 14, height: 11, input: false, target: true)
    let loader = try BatchLoader(source: source, kind: .clean, name: "clean", seed: 2, options: LoaderOptions(batchSize: 6, patch: 6))
    var seenTransforms = Set<Int>(), seenOrigins = Set<[Int]>()
    for _ in 0..<12 {
      let batch = try loader.next()
      XCTAssertNil(batch.input)
      for b in 0..<6 {
        let tile = source.targets![batch.indices[b]], got = item(batch.target!, b)
        var matches: [(Int, Int, Int)] = []
        for y in 0...5 {
          for x in 0...8 {
            for t in 0..<8 where referenceDihedral(window(tile, x: x, y: y, n: 6), t) == got { matches.append((x, y, t)) }
          }
        }
        XCTAssertFalse(matches.isEmpty, "item \(b) is no transformed window of tile \(batch.indices[b])")
        if let m = matches.first {
          seenTransforms.insert(m.2)
          seenOrigins.insert([m.0, m.1])
        }
      }
    }
    XCTAssertEqual(seenTransforms.count, 8)
    XCTAssertGreaterThan(seenOrigins.count, 20)
  }

  func testAPairSharesItsCropAndTransform() throws {
    let source = InMemoryTiles.random(count: 7, width: 40, height: 33, input: true, target: true, identical: true)
    let loader = try BatchLoader(source: source, kind: .pairs, name: "pairs", seed: 3, options: LoaderOptions(batchSize: 5, patch: 16))
    for _ in 0..<4 {
      let batch = try loader.next()
      XCTAssertEqual(batch.input!.shape, [5, 3, 16, 16])
      XCTAssertEqual(batch.input!.values, batch.target!.values)
    }
    // Two unpaired loaders (real and clean images) over the same pictures draw their own crops.
    let real = try BatchLoader(source: source, kind: .real, name: "real", seed: 3, options: LoaderOptions(batchSize: 5, patch: 16))
    let clean = try BatchLoader(source: source, kind: .clean, name: "clean", seed: 3, options: LoaderOptions(batchSize: 5, patch: 16))
    XCTAssertNotEqual(try real.next().input!.values, try clean.next().target!.values)
  }

  func testValuesAreInTheRequestedRange() throws {
    let source = InMemoryTiles.random(count: 4, width: 20, height: 20, input: true, target: false)
    for (range, lo, hi) in [(PixelRange.unit, Float(0), Float(1)), (.symmetric, -1, 1)] {
      let loader = try BatchLoader(source: source, kind: .real, name: "real", seed: 4, options: LoaderOptions(batchSize: 4, patch: 12, range: range))
      let batch = try loader.next()
      XCTAssertNil(batch.target)
      let v = batch.input!.values
      XCTAssertEqual(v.min()!, lo, accuracy: 0.02)
      XCTAssertEqual(v.max()!, hi, accuracy: 0.02)
      // Every value is an exact image of a byte.
      let (scale, offset) = range.byteMapping
      XCTAssertTrue(v.allSatisfy { abs((($0 - offset) / scale).rounded() * scale + offset - $0) < 1e-5 })
    }
  }

  func testSmallImagesAreResizedUpToThePatch() throws {
    let source = InMemoryTiles.random(count: 2, width: 10, height: 7, input: false, target: true)
    let batch = try BatchLoader(source: source, kind: .clean, name: "c", seed: 5, options: LoaderOptions(batchSize: 2, patch: 16)).next()
    XCTAssertEqual(batch.target!.shape, [2, 3, 16, 16])
    let constant = RGBImage(width: 3, height: 5, pixels: [UInt8](repeating: 77, count: 45))
    XCTAssertEqual(constant.resizedBilinear(width: 8, height: 8).pixels, [UInt8](repeating: 77, count: 192))
  }

  func testNoisyPairsAddOneSigmaPerImageOnTopOfTheCleanCrop() throws {
    let source = InMemoryTiles.random(count: 6, width: 48, height: 48, input: false, target: true)
    for (sigma, range) in [(Float(0)...75, PixelRange.unit), (25...25, .symmetric)] {
      let loader = try BatchLoader(source: source, kind: .noisyPairs(sigma: sigma), name: "noisy", seed: 6,
                                   options: LoaderOptions(batchSize: 6, patch: 40, range: range))
      let batch = try loader.next()
      XCTAssertEqual(batch.sigmas.count, 6)
      let plane = 3 * 40 * 40
      for b in 0..<6 {
        XCTAssertTrue(sigma.contains(batch.sigmas[b] * 255))
        let d = (0..<plane).map { batch.input!.data[b * plane + $0] - batch.target!.data[b * plane + $0] }
        let mean = d.reduce(0, +) / Float(plane)
        let std = (d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(plane - 1)).squareRoot()
        XCTAssertEqual(std, batch.sigmas[b] * range.spread, accuracy: 0.04 * batch.sigmas[b] * range.spread + 1e-6)
      }
      if sigma.lowerBound == sigma.upperBound { XCTAssertTrue(batch.sigmas.allSatisfy { abs($0 - 25 / 255) < 1e-6 }) }
    }
  }

  func testEachRankReadsItsSamplerSliceEpochAfterEpoch() throws {
    let source = InMemoryTiles.random(count: 9, width: 16, height: 16, input: true, target: true)
    var perRank: [[Int]] = []
    for rank in 0..<2 {
      let loader = try BatchLoader(source: source, kind: .pairs, name: "pairs", seed: 7, rank: rank, worldSize: 2, options: LoaderOptions(batchSize: 3, patch: 8))
      let indices = try (0..<6).flatMap { _ in try loader.next().indices }  // 18 = 3.6 epochs of 5
      XCTAssertEqual(Array(indices[0..<5]), loader.sampler.indices(epoch: 0))
      XCTAssertEqual(Array(indices[5..<10]), loader.sampler.indices(epoch: 1))
      XCTAssertNotEqual(Array(indices[0..<5]), Array(indices[5..<10]))
      XCTAssertEqual(loader.cursor, LoaderCursor(epoch: 3, position: 3))
      perRank.append(Array(indices[0..<5]))
    }
    XCTAssertEqual(Set(perRank[0] + perRank[1]), Set(0..<9))
  }

  func testAResumedLoaderContinuesTheExactBatches() throws {
    let source = InMemoryTiles.random(count: 11, width: 30, height: 26, input: false, target: true)
    func make(_ cursor: LoaderCursor) throws -> BatchLoader {
      try BatchLoader(source: source, kind: .noisyPairs(sigma: 0...75), name: "dn", seed: 8, rank: 1, worldSize: 2,
                      options: LoaderOptions(batchSize: 4, patch: 16, workers: 2), cursor: cursor)
    }
    let original = try make(LoaderCursor())
    var batches = try (0..<7).map { _ in try original.next() }
    // A checkpoint stores the cursor after batch 3 (JSON, as the checkpoint's metadata does).
    let saved = try JSONDecoder().decode(LoaderCursor.self, from: JSONEncoder().encode(batches[2].cursor))
    let resumed = try make(saved)
    batches.removeFirst(3)
    for expected in batches {
      let got = try resumed.next()
      XCTAssertEqual(got.indices, expected.indices)
      XCTAssertEqual(got.sigmas, expected.sigmas)
      XCTAssertEqual(got.input!.values, expected.input!.values)
      XCTAssertEqual(got.target!.values, expected.target!.values)
      XCTAssertEqual(got.cursor, expected.cursor)
    }
    XCTAssertGreaterThan(batches.last!.cursor.epoch, saved.epoch)  // the run crossed epochs
  }

  func testPairSourcesStoredCleanGetNoiseOnTheFly() {
    let clean = InMemoryTiles.random(count: 2, width: 8, height: 8, input: false, target: true)
    let paired = InMemoryTiles.random(count: 2, width: 8, height: 8, input: true, target: true)
    XCTAssertEqual(LoaderKind.pairs(from: clean), .noisyPairs(sigma: 0...75))
    XCTAssertEqual(LoaderKind.pairs(from: clean, noiseSigma: 15...15), .noisyPairs(sigma: 15...15))
    XCTAssertEqual(LoaderKind.pairs(from: paired), .pairs)
    XCTAssertEqual(LoaderKind.pairs(from: clean, degradation: "sr4:pool"), .degradedPairs(degradation: "sr4:pool"))
    XCTAssertEqual(LoaderKind.pairs(from: paired, degradation: "sr4:pool"), .pairs)
  }

  /// A named degradation on the fly: each input is that degradation of its own (augmented) clean
  /// crop, unquantised, in the loader's range; an unknown name is an error at set-up.
  func testDegradedPairsDegradeEachCleanCrop() throws {
    let clean = InMemoryTiles.random(count: 4, width: 16, height: 16, input: false, target: true)
    let loader = try BatchLoader(source: clean, kind: .degradedPairs(degradation: "sr4:pool"), name: "sr", seed: 2,
                                 options: LoaderOptions(batchSize: 3, patch: 8, range: .symmetric))
    let batch = try loader.next()
    let input = try XCTUnwrap(batch.input), target = try XCTUnwrap(batch.target)
    var rng = PhiloxRandom(seed: 0)
    for i in 0..<3 {
      var crop = [Float]()
      for y in 0..<8 { for x in 0..<8 { for c in 0..<3 { crop.append((target.data[i * 192 + c * 64 + y * 8 + x] + 1) / 2) } } }
      let expected = SuperResolution(factor: 4).apply(FloatImage(width: 8, height: 8, pixels: crop), using: &rng)
      for y in 0..<8 {
        for x in 0..<8 {
          for c in 0..<3 {
            XCTAssertEqual(input.data[i * 192 + c * 64 + y * 8 + x], expected.pixels[(y * 8 + x) * 3 + c] * 2 - 1, accuracy: 1e-5)
          }
        }
      }
    }
    XCTAssertThrowsError(try BatchLoader(source: clean, kind: .degradedPairs(degradation: "snow"), name: "sr", seed: 2)) { error in
      XCTAssert("\(error)".contains("unknown degradation 'snow'"), "\(error)")
    }
  }

  func testBadSetupsAreErrors() {
    let clean = InMemoryTiles.random(count: 3, width: 16, height: 16, input: false, target: true)
    XCTAssertThrowsError(try BatchLoader(source: clean, kind: .pairs, name: "p", seed: 0)) { error in
      XCTAssertTrue(String(describing: error).contains("degraded inputs"), "\(error)")
    }
    XCTAssertThrowsError(try BatchLoader(source: clean, kind: .clean, name: "c", seed: 0, cursor: LoaderCursor(epoch: 0, position: 4)))
    XCTAssertThrowsError(try BatchLoader(source: clean, kind: .clean, name: "c", seed: 0, options: LoaderOptions(batchSize: 0)))
    let mismatched = InMemoryTiles(inputs: [RGBImage(width: 16, height: 16)], targets: [RGBImage(width: 17, height: 16)])
    XCTAssertThrowsError(try BatchLoader(source: mismatched, kind: .pairs, name: "p", seed: 0, options: LoaderOptions(batchSize: 1, patch: 8)).next())
  }

  func testShardsOnDiskLoadLikeTheSameImagesInMemory() throws {
    let memory = InMemoryTiles.random(count: 7, width: 24, height: 24, input: true, target: true)
    let folder = try ScratchFolder("loader-shards")
    defer { folder.remove() }
    var infos: [ShardFileInfo] = []
    for (n, range) in [0..<4, 4..<7].enumerated() {
      let writer = try ShardWriter(path: folder.path("pairs-\(n).h5"), kind: .pairs, task: "test", tile: 24, storesInput: true, storesTarget: true, deflate: 1)
      for i in range { try writer.append(input: memory.inputs![i], target: memory.targets![i], source: "tile-\(i)") }
      infos.append(try writer.commit())
    }
    try ShardManifest(kind: .pairs, task: "test", tile: 24, shards: infos, skipped: []).write(folder: folder.url.path)
    let disk = try ShardSet(folder: folder.url.path)
    let options = LoaderOptions(batchSize: 3, patch: 16)
    let direct = try BatchLoader(source: memory, kind: .pairs, name: "pairs", seed: 12, rank: 1, worldSize: 2, options: options)
    let queue = PrefetchQueue(loader: try BatchLoader(source: disk, kind: .pairs, name: "pairs", seed: 12, rank: 1, worldSize: 2, options: options))
    for _ in 0..<4 {
      let a = try direct.next(), b = try queue.next()
      XCTAssertEqual(a.indices, b.indices)
      XCTAssertEqual(a.input!.values, b.input!.values)
      XCTAssertEqual(a.target!.values, b.target!.values)
    }
  }

  func testPrefetchDeliversTheSameBatchesAsDirectLoading() throws {
    let source = InMemoryTiles.random(count: 10, width: 24, height: 24, input: true, target: true)
    let options = LoaderOptions(batchSize: 3, patch: 16, workers: 2)
    let direct = try BatchLoader(source: source, kind: .pairs, name: "pairs", seed: 9, options: options)
    let queue = PrefetchQueue(loader: try BatchLoader(source: source, kind: .pairs, name: "pairs", seed: 9, options: options), depth: 3)
    for _ in 0..<8 {
      let a = try direct.next(), b = try queue.next()
      XCTAssertEqual(a.indices, b.indices)
      XCTAssertEqual(a.input!.values, b.input!.values)
      XCTAssertEqual(a.target!.values, b.target!.values)
      XCTAssertEqual(queue.cursor, a.cursor)
    }
    queue.stop()
    XCTAssertThrowsError(try queue.next()) { XCTAssertTrue($0 is LoaderError) }
    queue.stop()  // idempotent
  }

  func testPrefetchPropagatesTheLoaderErrorAfterTheGoodBatches() throws {
    let source = InMemoryTiles.random(count: 10, width: 16, height: 16, input: false, target: true)
    let options = LoaderOptions(batchSize: 2, patch: 8)
    let order = try BatchLoader(source: source, kind: .clean, name: "c", seed: 10, options: options).sampler.indices(epoch: 0)
    source.failing = order[7]  // read in batch 4 (0-based 3)
    let queue = PrefetchQueue(loader: try BatchLoader(source: source, kind: .clean, name: "c", seed: 10, options: options), depth: 2)
    for _ in 0..<3 { XCTAssertNoThrow(try queue.next()) }
    for _ in 0..<2 {
      XCTAssertThrowsError(try queue.next()) { XCTAssertEqual($0 as? InMemoryTiles.Broken, InMemoryTiles.Broken(index: order[7])) }
    }
    XCTAssertEqual(queue.cursor, LoaderCursor(epoch: 0, position: 6))
  }

  func testAnAbandonedQueueStopsItsThread() throws {
    let source = InMemoryTiles.random(count: 4, width: 16, height: 16, input: false, target: true)
    weak var weakQueue: PrefetchQueue?
    weak var weakLoader: BatchLoader?
    do {
      let loader = try BatchLoader(source: source, kind: .clean, name: "c", seed: 11, options: LoaderOptions(batchSize: 2, patch: 8))
      weakLoader = loader
      let queue = PrefetchQueue(loader: loader, depth: 2)
      weakQueue = queue
      _ = try queue.next()
      Thread.sleep(forTimeInterval: 0.05)  // let the producer fill the buffer and block
    }
    XCTAssertNil(weakQueue)  // deinit ran, which joins the producer
    XCTAssertNil(weakLoader)  // and the producer let go of the loader (and its open files) first
  }
}
