// Converter tests: tile positions and small-image policies, layout discovery on miniature
// dataset trees, a folder with one bad file, degradations applied per item, re-runs that keep
// finished shards, and two ranks (threads here) sharing one output folder.
import Foundation
import Shards
import Tensors
import XCTest

/// Inverts every value: deterministic, so the test can predict the degraded half.
private struct Invert: Degradation {
  var name: String { "invert" }
  func apply(_ image: FloatImage, using rng: inout PhiloxRandom) -> FloatImage {
    FloatImage(width: image.width, height: image.height, pixels: image.pixels.map { 1 - $0 })
  }
}

final class ConverterTests: XCTestCase {
  func testTileStartsCoverTheImageAndSmallImagesFollowThePolicy() {
    let cutter = TileCutter(tile: 16, stride: 16, small: .reflect)
    XCTAssertEqual(cutter.starts(40), [0, 16, 24])
    XCTAssertEqual(cutter.starts(32), [0, 16])
    XCTAssertEqual(TileCutter(tile: 16, stride: 10, small: .skip).starts(36), [0, 10, 20])
    XCTAssertEqual(cutter.starts(16), [0])

    let image = testPicture(width: 40, height: 20)
    let tiles = cutter.tiles(of: image)
    XCTAssertEqual(tiles.count, 3 * 2)
    XCTAssertEqual(Array(tiles[4].pixels[0..<3]), Array(image.pixels[((4 * 40) + 16) * 3..<((4 * 40) + 16) * 3 + 3]))

    let small = testPicture(width: 10, height: 7)
    XCTAssertTrue(TileCutter(tile: 16, stride: 16, small: .skip).tiles(of: small).isEmpty)
    let padded = cutter.tiles(of: small)
    XCTAssertEqual(padded.count, 1)
    // Reflection: column 10 mirrors column 8, row 7 mirrors row 5.
    XCTAssertEqual(padded[0].pixels[(0 * 16 + 10) * 3], small.pixels[(0 * 10 + 8) * 3])
    XCTAssertEqual(padded[0].pixels[(7 * 16 + 2) * 3 + 1], small.pixels[(5 * 10 + 2) * 3 + 1])
  }

  func testLayoutsFindTheirPairs() throws {
    let root = try ScratchFolder("layouts")
    defer { root.remove() }
    func touch(_ path: String) throws {
      let url = root.url.appendingPathComponent(path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data().write(to: url)
    }
    for file in ["sidd/Data/0001_001_S6/0001_NOISY_SRGB_010.PNG", "sidd/Data/0001_001_S6/0001_GT_SRGB_010.PNG",
                 "sidd/Data/0002_001_S6/0002_NOISY_SRGB_011.PNG",
                 "gopro/train/GOPR0372_07_00/blur/000047.png", "gopro/train/GOPR0372_07_00/sharp/000047.png",
                 "gopro/train/GOPR0372_07_00/blur_gamma/000047.png",
                 "rain/train/Rain13K/input/1.jpg", "rain/train/Rain13K/target/1.jpg", "rain/train/Rain13K/target/2.jpg",
                 "realblur/RealBlur-J/scene001/gt/gt_1.png", "realblur/RealBlur-J/scene001/blur/blur_1.png",
                 "imagenet/train/n01440764/n01440764_10026.JPEG", "imagenet/train/n01443537/n01443537_1.JPEG",
                 "imagenet/train/n01443537/readme.txt"] {
      try touch(file)
    }
    try "RealBlur-J/scene001/gt/gt_1.png RealBlur-J/scene001/blur/blur_1.png\n\nbroken-line\n"
      .write(toFile: root.path("realblur/RealBlur_J_train_list.txt"), atomically: true, encoding: .utf8)

    let sidd = try DatasetLayout.sidd.items(root: root.path("sidd"), target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(sidd.items, [SourceItem(degraded: root.path("sidd/Data/0001_001_S6/0001_NOISY_SRGB_010.PNG"),
                                           clean: root.path("sidd/Data/0001_001_S6/0001_GT_SRGB_010.PNG"))])
    XCTAssertEqual(sidd.unmatched.map(\.path), [root.path("sidd/Data/0002_001_S6/0002_NOISY_SRGB_011.PNG")])

    let gopro = try DatasetLayout.gopro.items(root: root.path("gopro"), target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(gopro.items, [SourceItem(degraded: root.path("gopro/train/GOPR0372_07_00/blur/000047.png"),
                                            clean: root.path("gopro/train/GOPR0372_07_00/sharp/000047.png"))])

    let rain = try DatasetLayout.rain13k.items(root: root.path("rain"), target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(rain.items.count, 1)
    XCTAssertEqual(rain.unmatched.map(\.path), [root.path("rain/train/Rain13K/target/2.jpg")])

    let realblur = try DatasetLayout.realblur.items(root: root.path("realblur"), target: nil, list: "RealBlur_J_train_list.txt", singleAreDegraded: false)
    XCTAssertEqual(realblur.items, [SourceItem(degraded: root.path("realblur/RealBlur-J/scene001/blur/blur_1.png"),
                                               clean: root.path("realblur/RealBlur-J/scene001/gt/gt_1.png"))])
    XCTAssertEqual(realblur.unmatched.count, 1)
    XCTAssertThrowsError(try DatasetLayout.realblur.items(root: root.path("realblur"), target: nil, list: nil, singleAreDegraded: false))

    // ImageNet: every JPEG of the class folders, or only those a list names (a missing one reported).
    let imagenet = try DatasetLayout.imagenet.items(root: root.path("imagenet/train"), target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(imagenet.items.map(\.clean), [root.path("imagenet/train/n01440764/n01440764_10026.JPEG"),
                                                 root.path("imagenet/train/n01443537/n01443537_1.JPEG")])
    try "n01443537/n01443537_1.JPEG\nn01443537/n01443537_404.JPEG\n".write(toFile: root.path("subset.txt"), atomically: true, encoding: .utf8)
    let subset = try DatasetLayout.imagenet.items(root: root.path("imagenet/train"), target: nil, list: root.path("subset.txt"), singleAreDegraded: false)
    XCTAssertEqual(subset.items.map(\.clean), [root.path("imagenet/train/n01443537/n01443537_1.JPEG")])
    XCTAssertEqual(subset.unmatched.map(\.path), [root.path("imagenet/train/n01443537/n01443537_404.JPEG")])
  }

  /// torchvision's Resize(N) + CenterCrop(N) as PIL computes it: a constant stays constant, the
  /// output is N × N, and halving a picture with a pixel grid of 2×2 blocks keeps the blocks' values
  /// (the triangle filter widened by 2 averages each block's four pixels and their neighbours
  /// symmetrically, which on constant blocks of a smooth ramp gives the block's mean).
  func testResizeCropFollowsTorchvision() {
    let constant = ResizeCrop(side: 8).apply(FloatImage(width: 30, height: 20, pixels: [Float](repeating: 0.3, count: 30 * 20 * 3)))
    XCTAssertEqual(constant.width, 8)
    XCTAssertEqual(constant.height, 8)
    XCTAssert(constant.pixels.allSatisfy { abs($0 - 0.3) < 1e-5 })
    // A horizontal ramp v = x / 31 over 32 × 16 px, shorter side 16 → 8: 16 × 8, then the centre 8 × 8
    // (columns 4…11 of the 16); PIL's bilinear at scale 2 is symmetric about (2i + 1), so output i
    // holds the ramp's value there: (2i + 0.5) / 31 for the pixel centres 2i, 2i + 1.
    var ramp = [Float]()
    for _ in 0..<16 { for x in 0..<32 { ramp += [Float(x) / 31, 0, 0] } }
    let out = ResizeCrop(side: 8).apply(FloatImage(width: 32, height: 16, pixels: ramp))
    for i in 1..<7 { XCTAssertEqual(out.pixels[(3 * 8 + i) * 3], (2 * Float(i + 4) + 0.5) / 31, accuracy: 1e-5, "column \(i)") }
  }

  func testFolderWithOneBadFileConvertsTheRestAndReportsIt() throws {
    let source = try ScratchFolder("convert-src")
    let out = try ScratchFolder("convert-out")
    defer { source.remove(); out.remove() }
    try ImageFile.write(testPicture(width: 40, height: 20, seed: 1), to: source.path("a.png"))
    try ImageFile.write(testPicture(width: 16, height: 16, seed: 2), to: source.path("b.jpg"))
    try FileManager.default.createDirectory(atPath: source.path("sub"), withIntermediateDirectories: true)
    try ImageFile.write(testPicture(width: 10, height: 30, seed: 3), to: source.path("sub/c.png"))
    let jpeg = try JPEGCodec.encode(testPicture(width: 32, height: 32))
    try Data(jpeg.prefix(jpeg.count / 3)).write(to: source.url.appendingPathComponent("broken.jpg"))

    let options = ConversionOptions(layout: .folder, input: source.url.path, kind: .clean, task: "denoise", tile: 16,
                                    small: .skip, shardSize: 4, output: out.url.path)
    let report = try Converter(options: options, runID: "test", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    XCTAssertEqual(report.count, 6 + 1)  // a: 3×2 tiles, b: 1, c: too narrow (skipped)
    XCTAssertEqual(Set(report.skipped.map(\.path)), [source.path("broken.jpg"), source.path("sub/c.png")])
    XCTAssertTrue(report.skipped.first { $0.path.hasSuffix("broken.jpg") }!.reason.contains("JPEG"))
    XCTAssertEqual(report.shards.map(\.count), [6, 1])  // a alone exceeds 4; b would overflow it: new shard
    let set = try ShardSet(folder: out.url.path)
    XCTAssertEqual(set.count, 7)
    XCTAssertFalse(set.hasInput)
    XCTAssertEqual(set.manifest.skipped.count, 2)
    let firstTile = TileCutter(tile: 16, stride: 16, small: .skip).tiles(of: testPicture(width: 40, height: 20, seed: 1))[0]
    XCTAssertTrue(try set.sample(0).target == firstTile)
  }

  func testDegradationMakesTheInputAndValKeepsWholeImages() throws {
    let source = try ScratchFolder("degrade-src")
    let out = try ScratchFolder("degrade-out")
    defer { source.remove(); out.remove() }
    let picture = testPicture(width: 24, height: 18, seed: 5)
    try ImageFile.write(picture, to: source.path("p.png"))
    let options = ConversionOptions(layout: .folder, input: source.url.path, kind: .val, task: "denoise", output: out.url.path, degradation: Invert())
    _ = try Converter(options: options, runID: "test", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    let sample = try ShardSet(folder: out.url.path).sample(0)
    XCTAssertEqual(sample.target, picture)
    XCTAssertEqual(sample.input?.pixels, picture.pixels.map { 255 - $0 })
  }

  func testNothingConvertedIsAnError() throws {
    let source = try ScratchFolder("empty-src")
    let out = try ScratchFolder("empty-out")
    defer { source.remove(); out.remove() }
    try Data("no image".utf8).write(to: source.url.appendingPathComponent("x.png"))
    let options = ConversionOptions(layout: .folder, input: source.url.path, kind: .clean, task: "denoise", tile: 16, output: out.url.path)
    XCTAssertThrowsError(try Converter(options: options, runID: "test", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})) { error in
      guard case .nothingConverted(let items, let skipped, _)? = error as? ConversionError else { return XCTFail("\(error)") }
      XCTAssertEqual(items, 1)
      XCTAssertEqual(skipped, 1)
    }
  }

  func testTwoRanksShareTheWorkAndARerunKeepsTheShards() throws {
    let source = try ScratchFolder("ranks-src")
    let out = try ScratchFolder("ranks-out")
    defer { source.remove(); out.remove() }
    for index in 0..<7 { try ImageFile.write(testPicture(width: 32, height: 16, seed: index), to: source.path("img\(index).png")) }
    let options = ConversionOptions(layout: .folder, input: source.url.path, kind: .pairs, task: "denoise", tile: 16,
                                    shardSize: 4, output: out.url.path, degradation: Invert())
    func runBothRanks(_ runID: String) throws -> ConversionReport {
      let converters = (0..<2).map { _ in Converter(options: options, runID: runID, log: { _ in }) }
      var results = [Result<ConversionReport, Error>?](repeating: nil, count: 2)
      let lock = NSLock()
      DispatchQueue.concurrentPerform(iterations: 2) { rank in
        let barrier = FileArrivalBarrier(folder: converters[rank].syncFolder, rank: rank, worldSize: 2, timeout: 60)
        let result = Result { try converters[rank].run(rank: rank, worldSize: 2, barrier: barrier.wait) }
        lock.lock()
        results[rank] = result
        lock.unlock()
      }
      _ = try results[1]!.get()
      return try results[0]!.get()
    }
    let first = try runBothRanks("job1")
    XCTAssertEqual(first.count, 14)
    XCTAssertEqual(first.reused, 0)
    XCTAssertEqual(first.shards.map(\.file), ["pairs-r000-00000.h5", "pairs-r000-00001.h5", "pairs-r001-00000.h5", "pairs-r001-00001.h5"])
    let set = try ShardSet(folder: out.url.path)
    let sources = try set.readers.flatMap { try $0.sources() }
    XCTAssertEqual(Set(sources), Set((0..<7).map { source.path("img\($0).png") }))
    XCTAssertEqual(sources.count, 14)
    let r0 = try set.readers[0].sources() + set.readers[1].sources()
    XCTAssertTrue(r0.allSatisfy { ["img0", "img2", "img4", "img6"].contains(URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent) })
    let sample = try set.sample(5)
    XCTAssertEqual(sample.input?.pixels, sample.target?.pixels.map { 255 - $0 })
    XCTAssertFalse(FileManager.default.fileExists(atPath: out.path(".convert-job1")))

    let second = try runBothRanks("job2")
    XCTAssertEqual(second.reused, 4)
    XCTAssertEqual(second.shards, first.shards)
  }
}
