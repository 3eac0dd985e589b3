// Shared test helpers: a scratch folder per test, Debian's Python for fixtures and cross-checks
// (skipping with a message when a module is missing), and a deterministic test picture.
import Foundation
import Shards
import XCTest

/// A fresh temporary folder, removed by `remove()`.
struct ScratchFolder {
  let url: URL

  init(_ label: String) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `script` with Debian's /usr/bin/python3 (which has h5py, PIL, numpy) and returns its
/// standard output; throws `XCTSkip` when a module in `modules` cannot be imported.
func runDebianPython(_ script: String, modules: [String], arguments: [String] = []) throws -> String {
  let python = "/usr/bin/python3"
  guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("\(python) is missing") }
  let check = try runProcess(python, ["-c", "import " + modules.joined(separator: ", ")])
  if check.status != 0 {
    throw XCTSkip("Debian's python3 lacks \(modules.joined(separator: "/")) (apt-get install python3-h5py python3-pil)")
  }
  let result = try runProcess(python, ["-c", script] + arguments)
  guard result.status == 0 else {
    throw NSError(domain: "python", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.output])
  }
  return result.output
}

/// Runs an executable and returns its exit status and combined output.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let environment { process.environment = environment }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A smooth, deterministic colour picture (gradients plus a pattern), so JPEG errors stay small.
func testPicture(width: Int, height: Int, seed: Int = 0) -> RGBImage {
  var pixels = [UInt8](repeating: 0, count: width * height * 3)
  for y in 0..<height {
    for x in 0..<width {
      let base = (y * width + x) * 3
      pixels[base] = UInt8((x * 255 / max(width - 1, 1) + seed * 17) % 256)
      pixels[base + 1] = UInt8((y * 255 / max(height - 1, 1) + seed * 29) % 256)
      pixels[base + 2] = UInt8(((x + y) * 4 + seed * 53) % 256)
    }
  }
  return RGBImage(width: width, height: height, pixels: pixels)
}

/// Mean absolute difference of two equally sized images.
func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
  precondition(a.pixels.count == b.pixels.count)
  let total = zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
  return Double(total) / Double(a.pixels.count)
}
