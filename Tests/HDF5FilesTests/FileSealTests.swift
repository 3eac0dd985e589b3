// FileSealTests: XXHash64 against the reference library's values, fed whole or in pieces; a file
// created sealed reads back like any other and checks intact; one flipped bit at any byte after
// its user block (values and libhdf5's metadata alike) or in its seal line makes it damaged; a
// file without a seal, or whose seal line is unreadable, is unsealed rather than damaged.
import Foundation
import HDF5Files
import XCTest

final class FileSealTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("seal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  /// Values from libxxhash 0.8.1 (`XXH64(data, length, 0)`).
  func testXXHash64MatchesTheReferenceWholeAndInPieces() {
    let pattern = [UInt8]((0..<1024).map { UInt8($0 % 256) }) + Array("xyz".utf8)
    let cases: [([UInt8], UInt64)] = [
      ([], 0xEF46_DB37_51D8_E999), (Array("a".utf8), 0xD24E_C4F1_A98C_6E5B), (Array("abc".utf8), 0x44BC_2CF5_AD77_0999),
      (Array("Nobody inspects the spammish repetition".utf8), 0xFBCE_A83C_8A37_8BF1), (pattern, 0xE146_CB31_B65B_C21A),
    ]
    for (bytes, expected) in cases {
      var whole = XXHash64()
      bytes.withUnsafeBytes { whole.update($0) }
      XCTAssertEqual(whole.digest, expected, "\(bytes.count) bytes")
      var pieces = XXHash64()
      var start = 0
      for size in [1, 7, 31, 33, 5, 64, 100_000] where start < bytes.count {
        let end = min(start + size, bytes.count)
        bytes[start..<end].withUnsafeBytes { pieces.update($0) }
        start = end
      }
      XCTAssertEqual(pieces.digest, expected, "\(bytes.count) bytes fed in pieces")
    }
  }

  /// A small file with a numeric dataset, a string dataset and attributes.
  private func write(_ name: String, sealed: Bool) throws -> String {
    let file = try HDF5File.create(path(name), sealed: sealed)
    let root = try file.root
    try root.setAttribute("format", "noiseda-checkpoint")
    try root.setAttribute("step", 7)
    try root.createDataset("net/w", values: (0..<64).map { Float($0) / 8 }, shape: [8, 8])
    try root.createStringDataset("config", ["lr: 1e-3"])
    try file.commit()
    return path(name)
  }

  func testASealedFileReadsBackAndChecksIntact() throws {
    let sealed = try write("sealed.h5", sealed: true)
    XCTAssertEqual(try HDF5FileSeal.check(sealed), .intact)
    XCTAssertFalse(FileManager.default.fileExists(atPath: sealed + ".tmp"))
    let file = try HDF5File.open(sealed)
    defer { try? file.close() }
    XCTAssertEqual(try file.root.dataset("net/w").read(as: Float.self)[9], 9.0 / 8)
    XCTAssertEqual(try file.root.intAttribute("step"), 7)
    XCTAssertEqual(try HDF5FileSeal.check(write("plain.h5", sealed: false)), .unsealed)
  }

  /// Every byte after the user block, one at a time.
  func testOneFlippedBitAnywhereAfterTheBlockIsDamage() throws {
    let sealed = try write("sealed.h5", sealed: true)
    let original = try Data(contentsOf: URL(fileURLWithPath: sealed))
    XCTAssertGreaterThan(original.count, 1024)
    let file = try XCTUnwrap(FileHandle(forUpdatingAtPath: sealed))
    defer { try? file.close() }
    for offset in 512..<original.count {
      try file.seek(toOffset: UInt64(offset))
      try file.write(contentsOf: [original[offset] ^ 0x40])
      guard case .damaged = try HDF5FileSeal.check(sealed) else { return XCTFail("a flipped bit at byte \(offset) went unnoticed") }
      try file.seek(toOffset: UInt64(offset))
      try file.write(contentsOf: [original[offset]])
    }
    XCTAssertEqual(try HDF5FileSeal.check(sealed), .intact)
  }

  func testTheSealLineItself() throws {
    let sealed = try write("sealed.h5", sealed: true)
    let original = try Data(contentsOf: URL(fileURLWithPath: sealed))
    XCTAssert(original.starts(with: Array("noiseda-seal xxh64 ".utf8)))
    var digit = original
    digit[25] = digit[25] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")  // a digit of the digest
    try digit.write(to: URL(fileURLWithPath: sealed))
    guard case .damaged(let why) = try HDF5FileSeal.check(sealed) else { return XCTFail("a changed digest went unnoticed") }
    XCTAssert(why.hasPrefix("its bytes hash to xxh64 "), why)
    var name = original
    name[2] ^= 0x20  // "noiseda" → "nOiseda": no seal line; the contents themselves are untouched
    try name.write(to: URL(fileURLWithPath: sealed))
    XCTAssertEqual(try HDF5FileSeal.check(sealed), .unsealed)
    XCTAssertThrowsError(try HDF5FileSeal.check(path("missing.h5")))
  }
}
