// Shard storage tests: SHA-256 against known vectors and sha256sum, writer → reader round trips
// for tiled and whole-image shards, and the errors for truncated, foreign, re-versioned and
// tampered shards and manifests.
import Foundation
import HDF5Files
import Shards
import XCTest

final class ShardStorageTests: XCTestCase {
  func testSHA256KnownVectorsAndBlockBoundaries() throws {
    XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    let folder = try ScratchFolder("sha")
    defer { folder.remove() }
    let bytes = Data((0..<200_003).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
    try bytes.write(to: folder.url.appendingPathComponent("blob"))
    let reference = try runProcess("/usr/bin/sha256sum", [folder.path("blob")])
    XCTAssertEqual(reference.status, 0)
    XCTAssertEqual(try SHA256.hex(ofFile: folder.path("blob")), String(reference.output.prefix(64)))
    var pieces = SHA256()
    for split in stride(from: 0, to: bytes.count, by: 777) { pieces.update(bytes[split..<min(split + 777, bytes.count)]) }
    XCTAssertEqual(pieces.finalize().map { String(format: "%02x", $0) }.joined(), String(reference.output.prefix(64)))
  }

  func testTiledPairsRoundTripThroughShardSet() throws {
    let folder = try ScratchFolder("tiles")
    defer { folder.remove() }
    var infos: [ShardFileInfo] = []
    var expected: [(RGBImage, RGBImage)] = []
    for shard in 0..<2 {
      let writer = try ShardWriter(path: folder.path("pairs-\(shard).h5"), kind: .pairs, task: "denoise", tile: 8,
                                   storesInput: true, storesTarget: true, deflate: shard == 0 ? 3 : nil)
      for index in 0..<(shard == 0 ? 21 : 5) {
        let clean = testPicture(width: 8, height: 8, seed: shard * 100 + index)
        let noisy = testPicture(width: 8, height: 8, seed: shard * 100 + index + 1)
        try writer.append(input: noisy, target: clean, source: "img\(index).png")
        expected.append((noisy, clean))
      }
      infos.append(try writer.commit())
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("pairs-0.h5.tmp")))
    try ShardManifest(kind: .pairs, task: "denoise", tile: 8, shards: infos, skipped: []).write(folder: folder.url.path)

    let set = try ShardSet(folder: folder.url.path)
    XCTAssertEqual(set.count, 26)
    XCTAssertTrue(set.hasInput && set.hasTarget)
    for index in [0, 7, 20, 21, 25] {
      let sample = try set.sample(index)
      XCTAssertEqual(sample.input, expected[index].0, "\(index)")
      XCTAssertEqual(sample.target, expected[index].1, "\(index)")
    }
    XCTAssertEqual(try set.readers[1].sources(), (0..<5).map { "img\($0).png" })
    XCTAssertThrowsError(try set.sample(26)) { XCTAssertEqual($0 as? ShardError, .indexOutOfRange(file: folder.url.path, index: 26, count: 26)) }
  }

  func testValShardsHoldWholeImagesOfDifferentSizes() throws {
    let folder = try ScratchFolder("val")
    defer { folder.remove() }
    let writer = try ShardWriter(path: folder.path("val.h5"), kind: .val, task: "denoise", tile: 0, storesInput: true, storesTarget: true, deflate: 1)
    let sizes = [(13, 9), (7, 21), (30, 30)]
    for (index, (w, h)) in sizes.enumerated() {
      try writer.append(input: testPicture(width: w, height: h, seed: index), target: testPicture(width: w, height: h, seed: index + 9), source: "v\(index)")
    }
    _ = try writer.commit()
    let reader = try ShardReader(path: folder.path("val.h5"))
    XCTAssertEqual(reader.kind, .val)
    XCTAssertEqual(reader.tile, 0)
    XCTAssertEqual(reader.count, 3)
    for (index, (w, h)) in sizes.enumerated() {
      let sample = try reader.sample(index)
      XCTAssertEqual(sample.input, testPicture(width: w, height: h, seed: index))
      XCTAssertEqual(sample.target, testPicture(width: w, height: h, seed: index + 9))
    }
  }

  func testTruncatedShardAndChecksumMismatchGiveClearErrors() throws {
    let folder = try ScratchFolder("damage")
    defer { folder.remove() }
    let writer = try ShardWriter(path: folder.path("real-0.h5"), kind: .real, task: "denoise", tile: 16, storesInput: true, storesTarget: false, deflate: nil)
    for index in 0..<40 { try writer.append(input: testPicture(width: 16, height: 16, seed: index), target: nil, source: "s\(index)") }
    let info = try writer.commit()
    try ShardManifest(kind: .real, task: "denoise", tile: 16, shards: [info], skipped: []).write(folder: folder.url.path)
    let path = folder.path("real-0.h5")
    let original = try Data(contentsOf: URL(fileURLWithPath: path))

    // Same size, one byte changed inside the image data: only the checksum notices.
    var tampered = original
    tampered[original.count / 2] ^= 0xFF
    try tampered.write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try ShardSet(folder: folder.url.path)) { error in
      guard case .checksumMismatch(let file, let expected, _)? = error as? ShardError else { return XCTFail("\(error)") }
      XCTAssertEqual(file, path)
      XCTAssertEqual(expected, info.sha256)
      XCTAssertTrue("\(error)".contains("noiseda convert"))
    }

    // Truncated: the manifest's size check, and the reader on its own.
    try original.prefix(original.count * 2 / 3).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try ShardSet(folder: folder.url.path)) { error in
      XCTAssertEqual(error as? ShardError, .sizeMismatch(file: path, expected: info.bytes, actual: original.count * 2 / 3))
    }
    XCTAssertThrowsError(try ShardReader(path: path)) { error in
      guard case .unreadable(let file, let reason)? = error as? ShardError else { return XCTFail("\(error)") }
      XCTAssertEqual(file, path)
      XCTAssertTrue(reason.contains("truncated"), reason)
    }
  }

  func testForeignAndOtherVersionFilesAreRejected() throws {
    let folder = try ScratchFolder("foreign")
    defer { folder.remove() }
    let plain = try HDF5File.create(folder.path("plain.h5"))
    try plain.root.createDataset("x", values: [Float(1)], shape: [1])
    try plain.commit()
    XCTAssertThrowsError(try ShardReader(path: folder.path("plain.h5"))) {
      XCTAssertEqual($0 as? ShardError, .notAShard(file: folder.path("plain.h5"), reason: "no 'format' attribute"))
    }
    let writer = try ShardWriter(path: folder.path("old.h5"), kind: .clean, task: "denoise", tile: 4, storesInput: false, storesTarget: true, deflate: nil)
    try writer.setAttribute("version", 99)
    _ = try writer.commit()
    XCTAssertThrowsError(try ShardReader(path: folder.path("old.h5"))) {
      XCTAssertEqual($0 as? ShardError, .wrongVersion(file: folder.path("old.h5"), found: 99))
    }
    XCTAssertThrowsError(try ShardSet(folder: folder.url.path)) { error in
      guard case .badManifest? = error as? ShardError else { return XCTFail("\(error)") }
    }
  }
}
