// Codec tests: PNG and JPEG round trips through our encoders, every PNG colour type and bit
// depth from hand-built files, progressive/grayscale/CMYK JPEGs from PIL, and the errors for
// truncated and corrupt files.
import Foundation
import Shards
import XCTest

final class CodecTests: XCTestCase {
  func testPNGRoundTripIsExact() throws {
    let image = testPicture(width: 37, height: 23)
    XCTAssertEqual(try PNGCodec.decode(PNGCodec.encode(image), name: "memory").image, image)
  }

  func testJPEGRoundTripIsClose() throws {
    let image = testPicture(width: 64, height: 48)
    let decoded = try JPEGCodec.decode(JPEGCodec.encode(image, quality: 95), name: "memory").image
    XCTAssertEqual(decoded.width, 64)
    XCTAssertEqual(decoded.height, 48)
    XCTAssertLessThan(meanAbsoluteDifference(decoded, image), 3)
  }

  func testImageFileWritesAndReadsByExtension() throws {
    let folder = try ScratchFolder("codecs")
    defer { folder.remove() }
    let image = testPicture(width: 20, height: 11)
    try ImageFile.write(image, to: folder.path("a.png"))
    try ImageFile.write(image, to: folder.path("b.jpg"))
    XCTAssertEqual(try ImageFile.read(folder.path("a.png")).image, image)
    XCTAssertLessThan(meanAbsoluteDifference(try ImageFile.read(folder.path("b.jpg")).image, image), 4)
  }

  /// Hand-built PNGs (raw zlib, no PIL) in every colour type and depth, with the RGB each must
  /// decode to: 16-bit samples are v·257 so that 8-bit v is the exact answer.
  func testEveryPNGColourTypeAndDepthDecodesToRGB() throws {
    let folder = try ScratchFolder("pngtypes")
    defer { folder.remove() }
    let script = #"""
import sys, zlib, struct, os
out = sys.argv[1]
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
def png(name, w, h, depth, ctype, rows, extra=b""):
    raw = b"".join(b"\x00" + r for r in rows)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0)) + extra
    open(os.path.join(out, name + ".png"), "wb").write(data + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
def rgbfile(name, w, h, rgb): open(os.path.join(out, name + ".rgb"), "wb").write(bytes(rgb))
w, h = 5, 3
v = lambda x, y, c: (x * 50 + y * 30 + c * 70) % 256
rgb = [v(x, y, c) for y in range(h) for x in range(w) for c in range(3)]
g = [v(x, y, 0) for y in range(h) for x in range(w)]
png("rgb8", w, h, 8, 2, [bytes(rgb[y*w*3:(y+1)*w*3]) for y in range(h)]); rgbfile("rgb8", w, h, rgb)
png("rgb16", w, h, 16, 2, [b"".join(struct.pack(">H", rgb[(y*w+x)*3+c] * 257) for x in range(w) for c in range(3)) for y in range(h)]); rgbfile("rgb16", w, h, rgb)
png("rgba8", w, h, 8, 6, [bytes(b for x in range(w) for b in rgb[(y*w+x)*3:(y*w+x)*3+3] + [x * 60]) for y in range(h)]); rgbfile("rgba8", w, h, rgb)
png("rgba16", w, h, 16, 6, [b"".join(struct.pack(">HHHH", *[c * 257 for c in rgb[(y*w+x)*3:(y*w+x)*3+3]], 1000) for x in range(w)) for y in range(h)]); rgbfile("rgba16", w, h, rgb)
png("gray8", w, h, 8, 0, [bytes(g[y*w:(y+1)*w]) for y in range(h)]); rgbfile("gray8", w, h, [p for p in g for _ in range(3)])
png("gray16", w, h, 16, 0, [b"".join(struct.pack(">H", p * 257) for p in g[y*w:(y+1)*w]) for y in range(h)]); rgbfile("gray16", w, h, [p for p in g for _ in range(3)])
png("grayalpha8", w, h, 8, 4, [bytes(b for p in g[y*w:(y+1)*w] for b in (p, 128)) for y in range(h)]); rgbfile("grayalpha8", w, h, [p for p in g for _ in range(3)])
bits = [[(x + y) % 2 for x in range(w)] for y in range(h)]
png("gray1", w, h, 1, 0, [bytes([sum(b << (7 - i) for i, b in enumerate(r))]) for r in bits]); rgbfile("gray1", w, h, [255 * b for r in bits for b in r for _ in range(3)])
pal = [(10, 20, 30), (200, 100, 50), (0, 255, 128), (255, 255, 255)]
idx = [[(x * 3 + y) % 4 for x in range(w)] for y in range(h)]
plte = chunk(b"PLTE", bytes(c for p in pal for c in p)) + chunk(b"tRNS", bytes([0, 255, 128, 255]))
png("palette8", w, h, 8, 3, [bytes(r) for r in idx], plte); rgbfile("palette8", w, h, [c for r in idx for i in r for c in pal[i]])
png("palette2", w, h, 2, 3, [bytes([sum(i << (6 - 2 * k) for k, i in enumerate(r[:4])), r[4] << 6]) for r in idx], plte); rgbfile("palette2", w, h, [c for r in idx for i in r for c in pal[i]])
"""#
    _ = try runDebianPython(script, modules: ["zlib"], arguments: [folder.url.path])
    let names = ["rgb8", "rgb16", "rgba8", "rgba16", "gray8", "gray16", "grayalpha8", "gray1", "palette8", "palette2"]
    for name in names {
      let image = try ImageFile.read(folder.path(name + ".png")).image
      let expected = try [UInt8](Data(contentsOf: folder.url.appendingPathComponent(name + ".rgb")))
      XCTAssertEqual(image.width, 5, name)
      XCTAssertEqual(image.height, 3, name)
      XCTAssertEqual(image.pixels, expected, name)
    }
  }

  func testProgressiveGrayscaleAndCMYKJPEGsFromPIL() throws {
    let folder = try ScratchFolder("jpegtypes")
    defer { folder.remove() }
    let picture = testPicture(width: 48, height: 32)
    try PNGCodec.encode(picture).withUnsafeBufferPointer { try Data($0).write(to: folder.url.appendingPathComponent("source.png")) }
    let script = #"""
import sys, os
from PIL import Image
out = sys.argv[1]
im = Image.open(os.path.join(out, "source.png")).convert("RGB")
im.save(os.path.join(out, "progressive.jpg"), quality=95, progressive=True)
im.convert("L").save(os.path.join(out, "gray.jpg"), quality=95)
im.convert("L").save(os.path.join(out, "gray.png"))
im.convert("CMYK").save(os.path.join(out, "cmyk.jpg"), quality=95)
"""#
    _ = try runDebianPython(script, modules: ["PIL"], arguments: [folder.url.path])
    XCTAssertLessThan(meanAbsoluteDifference(try ImageFile.read(folder.path("progressive.jpg")).image, picture), 3)
    XCTAssertLessThan(meanAbsoluteDifference(try ImageFile.read(folder.path("gray.jpg")).image, try ImageFile.read(folder.path("gray.png")).image), 3)
    XCTAssertLessThan(meanAbsoluteDifference(try ImageFile.read(folder.path("cmyk.jpg")).image, picture), 4)
  }

  func testTruncatedJPEGIsAnErrorNamingTheFile() throws {
    let folder = try ScratchFolder("badjpeg")
    defer { folder.remove() }
    let bytes = try JPEGCodec.encode(testPicture(width: 64, height: 64), quality: 90)
    let path = folder.path("cut.jpg")
    try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: path))
    assertCorrupt(try ImageFile.read(path).image, file: path, format: "JPEG")
  }

  /// skimage ships a truncated photograph as a test fixture; it must be an error, not grey rows.
  func testSkimageTruncatedJPEGIsAnError() throws {
    let path = "/usr/lib/python3/dist-packages/skimage/data/truncated.jpg"
    guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("python3-skimage is not installed") }
    assertCorrupt(try ImageFile.read(path).image, file: path, format: "JPEG")
  }

  func testCorruptAndTruncatedPNGAreErrorsNamingTheFile() throws {
    let folder = try ScratchFolder("badpng")
    defer { folder.remove() }
    var bytes = try PNGCodec.encode(testPicture(width: 40, height: 40))
    let truncated = folder.path("cut.png")
    try Data(bytes.prefix(bytes.count - 30)).write(to: URL(fileURLWithPath: truncated))
    assertCorrupt(try ImageFile.read(truncated).image, file: truncated, format: "PNG")

    for index in 60..<80 { bytes[index] ^= 0x5A }  // inside IDAT: CRC mismatch
    let corrupt = folder.path("corrupt.png")
    try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
    assertCorrupt(try ImageFile.read(corrupt).image, file: corrupt, format: "PNG")

    let text = folder.path("notes.png")
    try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
    XCTAssertThrowsError(try ImageFile.read(text).image) { XCTAssertEqual($0 as? ImageFileError, .unknownFormat(file: text)) }
    XCTAssertThrowsError(try ImageFile.read(folder.path("missing.png")).image) { error in
      guard case .unreadable(let file, _)? = error as? ImageFileError else { return XCTFail("\(error)") }
      XCTAssertEqual(file, folder.path("missing.png"))
    }
  }

  private func assertCorrupt<T>(_ body: @autoclosure () throws -> T, file path: String, format: String, line: UInt = #line) {
    XCTAssertThrowsError(try body(), line: line) { error in
      guard case .corrupt(let file, let kind, let reason)? = error as? ImageFileError else {
        return XCTFail("unexpected error \(error)", line: line)
      }
      XCTAssertEqual(file, path, line: line)
      XCTAssertEqual(kind, format, line: line)
      XCTAssertFalse(reason.isEmpty, line: line)
      XCTAssertTrue("\(error)".contains(path), line: line)
    }
  }
}
