// CommandTestCase: what the end-to-end command tests share — a scratch folder per test, the
// built `noiseda` binary, running a process and capturing its output, small PNG sources and the
// shards converted from them.
import Foundation
import XCTest

class CommandTestCase: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-cmd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  /// The `noiseda` binary next to the test bundle (built by `swift build --build-tests`).
  func noiseda() throws -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? Bundle.main.bundlePath)
    let binary = bundle.deletingLastPathComponent().appendingPathComponent("noiseda").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      XCTFail("\(binary) is missing: build it with `swift build --build-tests` (or launch/test.sh)")
      throw XCTSkip("no noiseda binary")
    }
    return binary
  }

  func run(_ executable: String, _ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Writes `count` gradient PNGs of `width × height` into `name/` with Debian's Python (zlib
  /// only), plus one file that is not an image; returns the folder.
  func makeSourceFolder(_ name: String, count: Int, width: Int, height: Int) throws -> String {
    let dir = path(name)
    let script = #"""
import sys, zlib, struct, os
out, n, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.makedirs(out, exist_ok=True)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
for i in range(n):
    rows = b"".join(b"\x00" + bytes(((x * 7 + y * 3 + i * 40 + c * 85) % 256) for x in range(w) for c in range(3)) for y in range(h))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    open(os.path.join(out, "img%02d.png" % i), "wb").write(data)
open(os.path.join(out, "broken.jpg"), "wb").write(b"\xff\xd8\xff\xe0 not really a jpeg")
"""#
    let result = try run("/usr/bin/python3", ["-c", script, dir, String(count), String(width), String(height)])
    XCTAssertEqual(result.status, 0, result.output)
    return dir
  }

  /// Pair, real and val shards converted from small PNGs (AWGN and camera degradations).
  func makeShards() throws -> (pairs: String, real: String, val: String) {
    let binary = try noiseda()
    let source = try makeSourceFolder("photos", count: 3, width: 48, height: 40)
    try FileManager.default.removeItem(atPath: source + "/broken.jpg")
    for (kind, degrade) in [("pairs", "awgn:0-50"), ("real", "camera"), ("val", "camera")] {
      var arguments = ["convert", "--layout", "folder", "--input", source, "--kind", kind, "--degrade", degrade, "--out", path(kind)]
      if kind != "val" { arguments += ["--tile", "32"] }
      let result = try run(binary, arguments)
      XCTAssertEqual(result.status, 0, result.output)
    }
    return (path("pairs"), path("real"), path("val"))
  }
}
