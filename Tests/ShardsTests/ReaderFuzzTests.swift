// A bounded, seeded mutation fuzz loop over the readers that take outside bytes: the PNG and
// JPEG decoders (with EXIF parsing and the pixel limit) and shard folders (manifest, then
// libhdf5). Each mutant must decode or fail with an error — never crash, hang or allocate past
// the limit. The seed is fixed, so a failure reproduces; each loop stops after its count or its
// time budget (2 s).
import Foundation
import HDF5Files
import Shards
import XCTest

/// Seeded byte mutations: flips, overwrites with 0x00/0xFF, insertions, deletions, duplicated
/// runs, truncation (SplitMix64 for the draws).
struct ByteMutator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next(_ bound: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
  }

  /// `bytes` with one to four mutations, the first `protect` bytes kept (a format's signature).
  mutating func mutate(_ bytes: [UInt8], protect: Int = 0) -> [UInt8] {
    var out = bytes
    for _ in 0..<(1 + next(4)) where out.count > protect + 1 {
      let at = protect + next(out.count - protect)
      switch next(6) {
      case 0: out[at] ^= UInt8(1 << next(8))
      case 1: out[at] = [0x00, 0xFF, 0x7F, 0x80][next(4)]
      case 2: out.insert(contentsOf: (0..<(1 + next(16))).map { _ in UInt8(next(256)) }, at: at)
      case 3: out.removeSubrange(at..<min(out.count, at + 1 + next(32)))
      case 4: out.insert(contentsOf: out[at..<min(out.count, at + 1 + next(64))], at: next(out.count))
      default: out.removeSubrange(at...)
      }
    }
    return out
  }
}

final class ReaderFuzzTests: XCTestCase {
  private let budget: TimeInterval = 2

  /// Runs `body` on mutants of every seed until `count` mutants or the time budget; returns how
  /// many ran and how many `body` accepted (did not throw for).
  private func fuzz(_ seeds: [[UInt8]], protect: Int, count: Int, seed: UInt64, _ body: ([UInt8]) throws -> Void) -> (tried: Int, accepted: Int) {
    var mutator = ByteMutator(seed: seed)
    let start = Date()
    var done = 0, accepted = 0
    while done < count && Date().timeIntervalSince(start) < budget {
      let source = seeds[done % seeds.count]
      if (try? body(mutator.mutate(source, protect: protect))) != nil { accepted += 1 }
      done += 1
    }
    return (done, accepted)
  }

  func testMutatedPNGsAndJPEGsDecodeOrFailCleanly() throws {
    let picture = testPicture(width: 24, height: 16)
    let png = try PNGCodec.encode(picture)
    let jpeg = try JPEGCodec.encode(picture, quality: 80)
    let pngs = [png, pngWithOrientation(png, 6), pngHeaderClaiming(width: 4000, height: 3000)]
    let jpegs = [jpeg, jpegWithOrientation(jpeg, 8), try jpegHeaderClaiming(width: 3000, height: 3000)]
    let limit = 2_000_000
    let decodedPNG = fuzz(pngs, protect: 8, count: 20000, seed: 28) { bytes in
      let decoded = try PNGCodec.decode(bytes, name: "fuzz.png", maxPixels: limit)
      XCTAssertLessThanOrEqual(decoded.image.width * decoded.image.height, limit)
      _ = ExifOrientation.of(bytes)?.apply(to: decoded.image)
    }
    let decodedJPEG = fuzz(jpegs, protect: 2, count: 20000, seed: 29) { bytes in
      let decoded = try JPEGCodec.decode(bytes, name: "fuzz.jpg", maxPixels: limit)
      XCTAssertLessThanOrEqual(decoded.image.width * decoded.image.height, limit)
      _ = ExifOrientation.of(bytes)?.apply(to: decoded.image)
    }
    print("fuzz: PNG \(decodedPNG), JPEG \(decodedJPEG) (mutants tried, decoded)")
    XCTAssertGreaterThan(decodedPNG.tried, 1000)
    XCTAssertGreaterThan(decodedJPEG.tried, 1000)
    XCTAssertGreaterThan(decodedJPEG.accepted, 10, "some mutants must still decode, or the loop tests nothing but the first check")
  }

  /// Mutated shards opened as the loaders open them (ShardSet: the manifest's size and SHA-256
  /// checked before libhdf5 reads a byte) are refused or read cleanly. ShardReader alone is not
  /// fuzzed: libhdf5 1.10 itself crashes (H5HG_read) on some damaged global heaps, which is why
  /// every shard folder is opened through its manifest's checksums.
  func testMutatedShardsAreRefusedBeforeLibHDF5ReadsThem() throws {
    let folder = try ScratchFolder("fuzz-shards")
    defer { folder.remove() }
    let writer = try ShardWriter(path: folder.path("pairs-r000-00000.h5"), kind: .pairs, task: "denoise", tile: 8,
                                 storesInput: true, storesTarget: true, deflate: 1)
    for seed in 0..<3 {
      let tile = testPicture(width: 8, height: 8, seed: seed)
      try writer.append(input: tile, target: tile, source: "s\(seed).png")
    }
    let info = try writer.commit()
    try ShardManifest(kind: .pairs, task: "denoise", tile: 8, shards: [info], skipped: []).write(folder: folder.url.path)
    let shard = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.path(info.file))))
    struct Unchanged: Error {}
    let run = fuzz([shard], protect: 8, count: 300, seed: 30) { bytes in
      guard bytes != shard else { throw Unchanged() }  // a mutation may rewrite a byte with its own value
      try Data(bytes).write(to: URL(fileURLWithPath: folder.path(info.file)))
      let set = try ShardSet(folder: folder.url.path)
      for index in 0..<set.count { _ = try set.sample(index) }
    }
    XCTAssertGreaterThan(run.tried, 20)
    XCTAssertEqual(run.accepted, 0, "a changed shard passed the manifest check")
  }
}
