// Awkward inputs: EXIF orientation turns images upright; JPEGs libjpeg decodes with a warning
// are kept with it; folder listings follow symbolic links and report dangling ones, FIFOs and
// names that are not UTF-8 instead of dropping them; a folder named `x.png` is a folder; and
// shards are held to the format (a pairs shard without `input` must declare itself clean-only,
// attributes must have their types), with HDF5's own error printing silenced on every thread.
import Foundation
import HDF5Files
import Shards
import XCTest

/// `bytes` (a JPEG) with an APP1 Exif segment holding Orientation = `orientation` after SOI.
func jpegWithOrientation(_ bytes: [UInt8], _ orientation: Int) -> [UInt8] {
  // "MM" TIFF: IFD0 at 8 with one entry, tag 0x0112, type SHORT, count 1, the value.
  let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, UInt8(orientation), 0, 0, 0, 0, 0, 0]
  let body = Array("Exif\0\0".utf8) + tiff
  let segment: [UInt8] = [0xFF, 0xE1, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
  return Array(bytes[0..<2]) + segment + Array(bytes[2...])
}

/// `bytes` (a PNG) with an eXIf chunk ("II" TIFF) holding Orientation = `orientation` after IHDR.
func pngWithOrientation(_ bytes: [UInt8], _ orientation: Int) -> [UInt8] {
  let tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, UInt8(orientation), 0, 0, 0, 0, 0, 0, 0]
  func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
  let body = Array("eXIf".utf8) + tiff
  let chunk = be32(tiff.count) + body + be32(Int(crc32(body)))
  let afterIHDR = 8 + 25
  return Array(bytes[0..<afterIHDR]) + chunk + Array(bytes[afterIHDR...])
}

final class InputFileTests: XCTestCase {
  /// A 3×2 image whose six pixels differ; pixel(x, y) of an image.
  private let stored = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 10) })
  private func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[(y * image.width + x) * 3..<(y * image.width + x) * 3 + 3]) }

  func testEXIFOrientationTurnsPNGAndJPEGUpright() throws {
    let folder = try ScratchFolder("exif")
    defer { folder.remove() }
    let png = try PNGCodec.encode(stored)
    // (orientation, upright size, the stored pixel shown at the upright top-left and top-right)
    let cases: [(Int, (Int, Int), (Int, Int), (Int, Int))] = [
      (1, (3, 2), (0, 0), (2, 0)), (2, (3, 2), (2, 0), (0, 0)), (3, (3, 2), (2, 1), (0, 1)), (4, (3, 2), (0, 1), (2, 1)),
      (5, (2, 3), (0, 0), (0, 1)), (6, (2, 3), (0, 1), (0, 0)), (7, (2, 3), (2, 1), (2, 0)), (8, (2, 3), (2, 0), (2, 1)),
    ]
    for (orientation, size, topLeft, topRight) in cases {
      let path = folder.path("o\(orientation).png")
      try Data(pngWithOrientation(png, orientation)).write(to: URL(fileURLWithPath: path))
      let upright = try ImageFile.read(path).image
      XCTAssertEqual([upright.width, upright.height], [size.0, size.1], "orientation \(orientation)")
      XCTAssertEqual(pixel(upright, 0, 0), pixel(stored, topLeft.0, topLeft.1), "orientation \(orientation) top-left")
      XCTAssertEqual(pixel(upright, upright.width - 1, 0), pixel(stored, topRight.0, topRight.1), "orientation \(orientation) top-right")
    }
    let photo = testPicture(width: 40, height: 24)
    let jpeg = folder.path("rotated.jpg")
    try Data(jpegWithOrientation(try JPEGCodec.encode(photo), 6)).write(to: URL(fileURLWithPath: jpeg))
    let turned = try ImageFile.read(jpeg).image
    XCTAssertEqual([turned.width, turned.height], [24, 40])
    XCTAssertLessThan(meanAbsoluteDifference(turned, ExifOrientation.rotated90.apply(to: photo)), 4)
    // The converter applies it too (val keeps whole images).
    let out = try ScratchFolder("exif-out")
    defer { out.remove() }
    try FileManager.default.removeItem(atPath: jpeg)
    try Data(jpegWithOrientation(try JPEGCodec.encode(photo), 8)).write(to: URL(fileURLWithPath: folder.path("only.jpg")))
    for orientation in 1...8 { try FileManager.default.removeItem(atPath: folder.path("o\(orientation).png")) }
    let options = ConversionOptions(layout: .folder, input: folder.url.path, kind: .clean, task: "denoise", tile: 8, output: out.url.path)
    _ = try Converter(options: options, runID: "exif", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    XCTAssertEqual(try ShardSet(folder: out.url.path).count, 3 * 5, "24×40 upright: 3 × 5 tiles of 8")
  }

  func testJPEGWithExtraneousBytesIsDecodedWithAWarningAndTruncationStaysAnError() throws {
    let folder = try ScratchFolder("jpegwarn")
    defer { folder.remove() }
    let clean = try JPEGCodec.encode(testPicture(width: 32, height: 32))
    // Garbage between two header segments (after APP0), as in some MS-COCO files.
    let app0End = 4 + (Int(clean[4]) << 8 | Int(clean[5]))
    let extraneous = Array(clean[..<app0End]) + [0x12, 0x34, 0x56] + Array(clean[app0End...])
    let decoded = try JPEGCodec.decode(extraneous, name: "x.jpg")
    XCTAssertEqual(decoded.image.width, 32)
    XCTAssertEqual(decoded.warnings.count, 1)
    XCTAssertTrue(decoded.warnings.first?.contains("3 extraneous bytes before marker") == true, "\(decoded.warnings)")
    let trailing = clean + Array("trailing garbage after EOI".utf8)
    XCTAssertEqual(try JPEGCodec.decode(trailing, name: "t.jpg").image.width, 32)
    XCTAssertThrowsError(try JPEGCodec.decode(Array(clean.prefix(clean.count / 2)), name: "cut.jpg"))

    try Data(extraneous).write(to: URL(fileURLWithPath: folder.path("coco.jpg")))
    let out = try ScratchFolder("jpegwarn-out")
    defer { out.remove() }
    let options = ConversionOptions(layout: .folder, input: folder.url.path, kind: .clean, task: "denoise", tile: 16, output: out.url.path)
    let report = try Converter(options: options, runID: "warn", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    XCTAssertEqual(report.count, 4)
    XCTAssertEqual(report.warnings.map(\.path), [folder.path("coco.jpg")])
  }

  func testListingFollowsLinksAndReportsWhatItCannotRead() throws {
    let folder = try ScratchFolder("listing")
    defer { folder.remove() }
    let png = try PNGCodec.encode(testPicture(width: 16, height: 16))
    try Data(png).write(to: URL(fileURLWithPath: folder.path("good.png")))
    try FileManager.default.createSymbolicLink(atPath: folder.path("link.png"), withDestinationPath: "good.png")
    try FileManager.default.createSymbolicLink(atPath: folder.path("dangling.png"), withDestinationPath: "missing.png")
    XCTAssertEqual(mkfifo(folder.path("pipe.png"), 0o644), 0)
    try FileManager.default.createDirectory(atPath: folder.path("x.png"), withIntermediateDirectories: true)
    try Data(png).write(to: URL(fileURLWithPath: folder.path("x.png/inner.png")))
    let latin1: [UInt8] = Array(folder.url.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".png".utf8) + [0]
    let descriptor = latin1.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
    XCTAssertGreaterThanOrEqual(descriptor, 0)
    close(descriptor)

    let all = try FolderListing(root: folder.url.path, extensions: ImageFile.extensions, recursive: true)
    XCTAssertEqual(all.files, [folder.path("good.png"), folder.path("link.png"), folder.path("x.png/inner.png")])
    XCTAssertEqual(all.unusable.map(\.path), [folder.path("caf\\xE9.png"), folder.path("dangling.png"), folder.path("pipe.png")])
    XCTAssertTrue(all.unusable[0].reason.contains("not valid UTF-8"), all.unusable[0].reason)
    XCTAssertTrue(all.unusable[1].reason.contains("symbolic link to missing.png, which does not exist"), all.unusable[1].reason)
    XCTAssertTrue(all.unusable[2].reason.contains("is a FIFO (named pipe), not an image file"), all.unusable[2].reason)
    let top = try FolderListing(root: folder.url.path, extensions: ImageFile.extensions, recursive: false)
    XCTAssertEqual(top.subfolders, [folder.path("x.png")])
    XCTAssertEqual(top.files.count, 2)
    // Reading a FIFO or a folder is refused by kind (opening the FIFO would block).
    XCTAssertEqual(try? ImageFile.read(folder.path("x.png")).image, nil)
    XCTAssertThrowsError(try ImageFile.read(folder.path("pipe.png"))) {
      XCTAssertEqual($0 as? ImageFileError, .notAFile(file: folder.path("pipe.png"), kind: "a FIFO (named pipe)"))
    }
  }

  func testPairsShardWithoutInputMustDeclareItselfCleanOnly() throws {
    let folder = try ScratchFolder("cleanonly")
    defer { folder.remove() }
    func pairs(_ name: String, _ adjust: (ShardWriter) throws -> Void) throws -> String {
      let writer = try ShardWriter(path: folder.path(name), kind: .pairs, task: "denoise", tile: 4, storesInput: false, storesTarget: true, deflate: nil)
      try writer.append(input: nil, target: RGBImage(width: 4, height: 4), source: "a.png")
      try adjust(writer)
      _ = try writer.commit()
      return folder.path(name)
    }
    XCTAssertFalse(try ShardReader(path: try pairs("declared.h5") { _ in }).hasInput)
    let undeclared = try pairs("undeclared.h5") { try $0.setAttribute(ShardFormat.cleanOnlyAttribute, 0) }
    XCTAssertThrowsError(try ShardReader(path: undeclared)) { error in
      guard case .malformed(let file, let reason)? = error as? ShardError else { return XCTFail("\(error)") }
      XCTAssertEqual(file, undeclared)
      XCTAssertTrue(reason.contains("'input' array is missing"), reason)
    }
    let mistyped = try pairs("mistyped.h5") { try $0.setAttribute("tile", "4") }
    XCTAssertThrowsError(try ShardReader(path: mistyped)) { error in
      guard case .malformed(_, let reason)? = error as? ShardError else { return XCTFail("\(error)") }
      XCTAssertTrue(reason.contains("attribute 'tile'") && reason.contains("expected an integer"), reason)
    }
  }

  /// A re-run of `convert` does not open a shard that changed since the manifest listed it (libhdf5
  /// may crash on a damaged file): it writes it again.
  func testARerunRewritesAShardDamagedSinceItsManifest() throws {
    let source = try ScratchFolder("rerun-src")
    let out = try ScratchFolder("rerun-out")
    defer { source.remove(); out.remove() }
    try ImageFile.write(testPicture(width: 32, height: 32), to: source.path("a.png"))
    let options = ConversionOptions(layout: .folder, input: source.url.path, kind: .clean, task: "denoise", tile: 16, output: out.url.path)
    let first = try Converter(options: options, runID: "one", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    let shard = out.path(first.shards[0].file)
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: shard)))
    for index in stride(from: 0, to: bytes.count, by: 97) { bytes[index] ^= 0x3C }
    try Data(bytes).write(to: URL(fileURLWithPath: shard))
    let again = try Converter(options: options, runID: "two", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    XCTAssertEqual(again.reused, 0)
    XCTAssertEqual(try ShardSet(folder: out.url.path).count, 4)
    let third = try Converter(options: options, runID: "three", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    XCTAssertEqual(third.reused, 1, "an unchanged shard is still kept")
  }

  /// A damaged deflated chunk read on another thread (as the loaders read) gives one ShardError
  /// and prints nothing from libhdf5's own error stack.
  func testDamagedChunkOnALoaderThreadPrintsNoHDF5Diagnostics() throws {
    let folder = try ScratchFolder("diag")
    defer { folder.remove() }
    let path = folder.path("real.h5")
    let writer = try ShardWriter(path: path, kind: .real, task: "denoise", tile: 32, storesInput: true, storesTarget: false, deflate: 6)
    for seed in 0..<4 { try writer.append(input: testPicture(width: 32, height: 32, seed: seed), target: nil, source: "s\(seed).png") }
    _ = try writer.commit()
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    // Flip bytes across the middle of the file, where the deflated chunks lie.
    for index in stride(from: bytes.count / 3, to: 2 * bytes.count / 3, by: 7) { bytes[index] ^= 0xA5 }
    try Data(bytes).write(to: URL(fileURLWithPath: path))

    let log = folder.path("stderr.txt")
    fflush(stderr)
    let saved = dup(2)
    let capture = open(log, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
    dup2(capture, 2)
    final class Outcome: @unchecked Sendable { var error: Error? }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Thread {
      do {
        let damaged = try ShardReader(path: path)
        for index in 0..<damaged.count { _ = try damaged.sample(index) }
      } catch { outcome.error = error }
      done.signal()
    }.start()
    done.wait()
    fflush(stderr)
    dup2(saved, 2)
    close(capture)
    close(saved)
    let printed = try String(contentsOfFile: log, encoding: .utf8)
    XCTAssertFalse(printed.contains("HDF5-DIAG"), printed)
    let error = try XCTUnwrap(outcome.error, "the damage went unnoticed")
    XCTAssertFalse("\(error)".contains("\n"), "\(error)")
    XCTAssertTrue("\(error)".contains(path), "\(error)")
  }
}
