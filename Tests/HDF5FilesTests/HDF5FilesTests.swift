// HDF5Files tests: round trips of numeric and string datasets and attributes, first-axis
// slices, growable datasets, commit/abandon, and the errors a user can cause.
import Foundation
import HDF5Files
import XCTest

final class HDF5FilesTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5files-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func testFloatDatasetsWithArbitraryShapesAndAttributesRoundTrip() throws {
    let file = try HDF5File.create(path("weights.h5"))
    let root = try file.root
    let weight: [Float] = (0..<90).map { (i: Int) -> Float in Float(i) * 0.25 - 7 }
    let conv = try root.createDataset("encoder/conv.weight", values: weight, shape: [5, 3, 3, 2], deflate: 4)
    try conv.setAttribute("fan_in", 18)
    try root.createDataset("scale", values: [Float(2.5)], shape: [])
    try root.createDataset("step", values: [Int64(123_456_789_012)], shape: [1])
    try root.setAttribute("format", "noiseda-checkpoint")
    try root.setAttribute("learning_rate", 2e-4)
    try file.commit()
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("weights.h5.tmp")))

    let read = try HDF5File.open(path("weights.h5"))
    let readRoot = try read.root
    let readConv = try readRoot.dataset("encoder/conv.weight")
    XCTAssertEqual(try readConv.shape(), [5, 3, 3, 2])
    XCTAssertEqual(try readConv.typeName(), "float32")
    XCTAssertEqual(try readConv.read(as: Float.self), weight)
    XCTAssertEqual(try readConv.intAttribute("fan_in"), 18)
    XCTAssertEqual(try readRoot.dataset("scale").shape(), [])
    XCTAssertEqual(try readRoot.dataset("scale").read(as: Float.self), [2.5])
    XCTAssertEqual(try readRoot.dataset("step").read(as: Int64.self), [123_456_789_012])
    XCTAssertEqual(try readRoot.stringAttribute("format"), "noiseda-checkpoint")
    XCTAssertEqual(try readRoot.doubleAttribute("learning_rate"), 2e-4)
    XCTAssertEqual(try readRoot.childNames(), ["encoder", "scale", "step"])
    XCTAssertFalse(try readRoot.isDataset("encoder"))
    XCTAssertTrue(try readRoot.group("encoder").isDataset("conv.weight"))
    XCTAssertTrue(try readRoot.contains("encoder/conv.weight"))
    XCTAssertFalse(try readRoot.contains("decoder/conv.weight"))
  }

  func testGrowableUInt8SlicesAndStringsRoundTrip() throws {
    let file = try HDF5File.create(path("images.h5"))
    let root = try file.root
    let images = try root.createDataset("input", of: UInt8.self, shape: [0, 4, 6, 3], chunk: [1, 4, 6, 3], deflate: 1, growable: true)
    var expected: [[UInt8]] = []
    for index in 0..<5 {
      let image = (0..<(4 * 6 * 3)).map { UInt8(($0 * 7 + index * 31) % 256) }
      expected.append(image)
      try images.resize(firstAxis: index + 1)
      try images.writeSlice(index..<(index + 1), image)
    }
    try root.createStringDataset("source", ["a.png", "dir/b ü.jpg", ""])
    try file.commit()

    let read = try HDF5File.open(path("images.h5"))
    let dataset = try read.root.dataset("input")
    XCTAssertEqual(try dataset.shape(), [5, 4, 6, 3])
    XCTAssertTrue(try dataset.holds(UInt8.self))
    XCTAssertFalse(try dataset.holds(Float.self))
    XCTAssertEqual(try dataset.readSlice(3..<4, as: UInt8.self), expected[3])
    XCTAssertEqual(try dataset.readSlice(1..<3, as: UInt8.self), expected[1] + expected[2])
    XCTAssertEqual(try read.root.dataset("source").readStrings(), ["a.png", "dir/b ü.jpg", ""])
  }

  func testAbandonLeavesNoFile() throws {
    let file = try HDF5File.create(path("gone.h5"))
    try file.root.setAttribute("kind", "pairs")
    file.abandon()
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("gone.h5")))
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("gone.h5.tmp")))
  }

  func testErrorsNameTheCallFileAndObject() throws {
    let file = try HDF5File.create(path("e.h5"))
    try file.root.createDataset("x", values: [Float(1), 2, 3], shape: [3])
    try file.commit()
    let read = try HDF5File.open(path("e.h5"))
    let root = try read.root

    assertError(try root.dataset("y"), call: "H5Dopen2", object: "/y")
    assertError(try root.dataset("x").read(as: UInt8.self), call: "H5Dread", object: "/x", reason: "holds float32, expected uint8")
    assertError(try root.dataset("x").readSlice(2..<4, as: Float.self), call: "H5Dread", object: "/x", reason: "outside the first axis")
    assertError(try root.stringAttribute("kind"), call: "H5Aopen", object: "attribute 'kind' of /", reason: "no such attribute")
    assertError(try HDF5File.open(path("missing.h5")), call: "H5Fopen", object: "/", reason: "no such file")

    let notHDF5 = path("text.h5")
    try Data("not an hdf5 file".utf8).write(to: URL(fileURLWithPath: notHDF5))
    assertError(try HDF5File.open(notHDF5), call: "H5Fopen", object: "/")

    try read.close()
    assertError(try root.childNames(), call: "H5Gget_info", object: "/", reason: "already closed")
  }

  func testTruncatedFileFailsToOpenOrRead() throws {
    let file = try HDF5File.create(path("t.h5"))
    try file.root.createDataset("x", values: [Float](repeating: 1.5, count: 50_000), shape: [50_000])
    try file.commit()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path("t.h5")))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path("t.h5")))
    XCTAssertThrowsError(try HDF5File.open(path("t.h5")).root.dataset("x").read(as: Float.self)) { error in
      XCTAssertTrue(error is HDF5Error, "\(error)")
      XCTAssertTrue("\(error)".contains("t.h5"), "\(error)")
    }
  }

  /// Files written by h5py (fixed-length strings, float64, attributes on datasets) read back,
  /// and ours read by h5py; skipped when Debian's python3-h5py is missing.
  func testInteroperatesWithH5py() throws {
    let python = "/usr/bin/python3"
    let script = #"""
import sys
try:
    import h5py, numpy as np
except ImportError:
    print("SKIP"); sys.exit(0)
ours, theirs = sys.argv[1], sys.argv[2]
with h5py.File(ours, "r") as f:
    assert f.attrs["kind"] == "pairs" and f.attrs["count"] == 3 and abs(f.attrs["sigma"] - 0.1) < 1e-12, dict(f.attrs)
    w = f["net/w"]
    assert w.dtype == np.float32 and w.shape == (2, 3) and w.attrs["note"] == "weights", (w.dtype, w.shape)
    assert (w[...] == np.arange(6, dtype=np.float32).reshape(2, 3)).all()
    assert list(f["names"].asstr()[...]) == ["a", "bé"]
with h5py.File(theirs, "w") as f:
    f.attrs["fixed"] = np.bytes_("abc")
    f.create_dataset("fixed", data=np.array([b"x", b"yz"], dtype="S4"))
    d = f.create_dataset("double", data=np.array([1.5, -2.0]))
    d.attrs["level"] = np.int32(7)
print("OK")
"""#
    let ours = folder.appendingPathComponent("ours.h5").path
    let theirs = folder.appendingPathComponent("theirs.h5").path
    let file = try HDF5File.create(ours)
    let root = try file.root
    try root.setAttribute("kind", "pairs")
    try root.setAttribute("count", 3)
    try root.setAttribute("sigma", 0.1)
    let weights = try root.createDataset("net/w", values: [Float](arrayLiteral: 0, 1, 2, 3, 4, 5), shape: [2, 3])
    try weights.setAttribute("note", "weights")
    try root.createStringDataset("names", ["a", "bé"])
    try file.commit()

    guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("\(python) is missing") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script, ours, theirs]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, output)
    if output.contains("SKIP") { throw XCTSkip("Debian's python3-h5py is not installed") }

    let read = try HDF5File.open(theirs)
    let readRoot = try read.root
    XCTAssertEqual(try readRoot.stringAttribute("fixed"), "abc")
    XCTAssertEqual(try readRoot.dataset("fixed").readStrings(), ["x", "yz"])
    XCTAssertEqual(try readRoot.dataset("double").read(as: Double.self), [1.5, -2.0])
    XCTAssertEqual(try readRoot.dataset("double").intAttribute("level"), 7)
    XCTAssertThrowsError(try readRoot.dataset("double").read(as: Float.self))
  }

  private func assertError<T>(
    _ body: @autoclosure () throws -> T, call: String, object: String, reason: String? = nil,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
      guard let error = error as? HDF5Error else { return XCTFail("not an HDF5Error: \(error)", file: file, line: line) }
      XCTAssertEqual(error.call, call, file: file, line: line)
      XCTAssertEqual(error.object, object, file: file, line: line)
      XCTAssertTrue(error.file.hasSuffix(".h5"), error.description, file: file, line: line)
      if let reason { XCTAssertTrue(error.reason.contains(reason), error.description, file: file, line: line) }
      XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
    }
  }
}
