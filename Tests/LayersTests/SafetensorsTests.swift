// Safetensors: round trip, the layout PyTorch's reader expects, and refusal of broken files.
import Foundation
import Layers
import Tensors
import XCTest

final class SafetensorsTests: XCTestCase {
  private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-st-\(getpid())-\(name)").path
  }

  func testRoundTripIsBitExactAndHeaderAligned() throws {
    var rng = PhiloxRandom(seed: 5)
    let tensors = [("a.weight", Tensor.normal([3, 2, 3, 3], using: &rng)), ("a.bias", Tensor.normal([3], using: &rng)),
      ("scalar\"q", Tensor.normal([1], using: &rng))]
    let path = temporaryPath("rt.safetensors")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Safetensors.write(tensors, to: path, metadata: ["format": "pt"])
    let back = try Safetensors.read(path)
    XCTAssertEqual(back.map(\.0), tensors.map(\.0))
    for ((_, a), (_, b)) in zip(tensors, back) {
      XCTAssertEqual(a.shape, b.shape)
      XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern))
    }
    let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
    let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    XCTAssertEqual(headerLength % 8, 0)
    XCTAssertEqual(data.count, 8 + headerLength + 4 * (54 + 3 + 1))
  }

  func testTruncatedFileIsRefusedWithItsName() throws {
    let path = temporaryPath("bad.safetensors")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Safetensors.write([("w", Tensor.ones([4, 4]))], to: path)
    let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
    try data.prefix(data.count - 8).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try Safetensors.read(path)) { error in
      XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("'w'"), "\(error)")
    }
  }
}
