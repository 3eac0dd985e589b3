// metrics.jsonl: every record reads back as JSON with its fields; appending keeps old lines.
import Foundation
import Trainer
import XCTest

final class MetricsLogTests: XCTestCase {
  func testRecordsReadBackAndAppend() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).jsonl").path
    do {
      let log = try MetricsLog(path: path)
      log.write(kind: "train", step: 1, ["loss": .number(0.5), "method": "da"])
      log.write(kind: "train", step: 2, ["loss": .number(.nan)])
    }
    try MetricsLog(path: path).write(kind: "val", step: 2, ["psnr": 31.25])
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, 3)
    let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    XCTAssertEqual(records[0]["loss"] as? Double, 0.5)
    XCTAssertEqual(records[0]["method"] as? String, "da")
    XCTAssertEqual(records[1]["loss"] as? String, "nan")
    XCTAssertEqual(records[2]["kind"] as? String, "val")
    XCTAssertEqual(records[2]["psnr"] as? Double, 31.25)
  }

  func testUnwritableFolderIsOneLineError() {
    XCTAssertThrowsError(try MetricsLog(path: "/nonexistent-dir/metrics.jsonl")) { error in
      XCTAssertTrue("\(error)".contains("cannot create the file"), "\(error)")
    }
  }
}
