// The decoded-pixel limit: a PNG or JPEG whose header promises more pixels than the limit (a
// decompression bomb of a few bytes) is refused from its header, by the codecs and by the
// converter (which converts the rest and leaves no temporary shard).
import Foundation
import Shards
import XCTest

/// A PNG of `width × height` 1-bit gray pixels as far as its header goes (valid IHDR with its
/// CRC), followed by a few bytes of IDAT that a decoder refusing from the header never reads.
func pngHeaderClaiming(width: Int, height: Int) -> [UInt8] {
  func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
  func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return be32(data.count) + body + be32(Int(crc32(body)))
  }
  let ihdr = be32(width) + be32(height) + [1, 0, 0, 0, 0]
  return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00]) + chunk("IEND", [])
}

/// CRC-32 (zlib's, as PNG chunks use).
func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return crc ^ 0xFFFF_FFFF
}

/// A small real JPEG whose SOF header is patched to claim `width × height`.
func jpegHeaderClaiming(width: Int, height: Int) throws -> [UInt8] {
  var bytes = try JPEGCodec.encode(testPicture(width: 16, height: 16))
  guard let sof = (0..<(bytes.count - 9)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) else {
    throw XCTSkip("libjpeg wrote no baseline SOF0 marker")
  }
  bytes[sof + 5] = UInt8(height >> 8)
  bytes[sof + 6] = UInt8(height & 0xFF)
  bytes[sof + 7] = UInt8(width >> 8)
  bytes[sof + 8] = UInt8(width & 0xFF)
  return bytes
}

final class ImageLimitTests: XCTestCase {
  func testPNGBombIsRefusedFromItsHeader() throws {
    let bomb = pngHeaderClaiming(width: 30000, height: 30000)
    XCTAssertLessThan(bomb.count, 100)
    XCTAssertThrowsError(try PNGCodec.decode(bomb, name: "bomb.png")) { error in
      XCTAssertEqual(error as? ImageFileError, .tooLarge(file: "bomb.png", width: 30000, height: 30000, limit: ImageFile.defaultMaxPixels))
      XCTAssertTrue("\(error)".contains("bomb.png is 30000×30000 (900.0 megapixels), above the limit of 200.0 megapixels"), "\(error)")
    }
  }

  func testJPEGBeyondTheLimitIsRefusedAndTheLimitIsConfigurable() throws {
    let large = try jpegHeaderClaiming(width: 20000, height: 20000)
    XCTAssertThrowsError(try JPEGCodec.decode(large, name: "large.jpg")) { error in
      XCTAssertEqual(error as? ImageFileError, .tooLarge(file: "large.jpg", width: 20000, height: 20000, limit: ImageFile.defaultMaxPixels))
    }
    let small = try JPEGCodec.encode(testPicture(width: 40, height: 30))
    XCTAssertThrowsError(try JPEGCodec.decode(small, name: "small.jpg", maxPixels: 1000)) { error in
      XCTAssertEqual(error as? ImageFileError, .tooLarge(file: "small.jpg", width: 40, height: 30, limit: 1000))
    }
    XCTAssertEqual(try JPEGCodec.decode(small, name: "small.jpg", maxPixels: 1200).image.width, 40)
  }

  func testConverterSkipsTheBombConvertsTheRestAndLeavesNoTemporaryFile() throws {
    let source = try ScratchFolder("bomb-src")
    let out = try ScratchFolder("bomb-out")
    defer { source.remove(); out.remove() }
    try Data(pngHeaderClaiming(width: 30000, height: 30000)).write(to: source.url.appendingPathComponent("bomb.png"))
    try ImageFile.write(testPicture(width: 32, height: 32), to: source.path("good.png"))
    let options = ConversionOptions(layout: .folder, input: source.url.path, kind: .clean, task: "denoise", tile: 16, output: out.url.path)
    let report = try Converter(options: options, runID: "test", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
    XCTAssertEqual(report.count, 4)
    XCTAssertEqual(report.skipped.map(\.path), [source.path("bomb.png")])
    XCTAssertTrue(report.skipped[0].reason.contains("above the limit"), report.skipped[0].reason)
    let names = try FileManager.default.contentsOfDirectory(atPath: out.url.path)
    XCTAssertFalse(names.contains { $0.hasSuffix(".tmp") }, "\(names)")
  }
}
