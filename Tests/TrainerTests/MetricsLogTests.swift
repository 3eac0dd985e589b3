// metrics.jsonl: every record reads back as JSON with its fields; appending keeps old lines; a
// resume removes the records after its step and says so.
import Foundation
import Trainer
import XCTest

final class MetricsLogTests: XCTestCase {
  func testRecordsReadBackAndAppend() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).jsonl").path
    do {
      let log = try MetricsLog(path: path)
      try log.write(kind: "train", step: 1, ["loss": .number(0.5), "method": "da"])
      try log.write(kind: "train", step: 2, ["loss": .number(.nan)])
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

  func testResumeRemovesTheRecordsAfterItsStep() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).jsonl").path
    do {
      let log = try MetricsLog(path: path)
      for step in 1...5 { try log.write(kind: "train", step: step, ["loss": .number(Double(step))]) }
      try log.write(kind: "val", step: 4, ["psnr": 30])
    }
    let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
    handle.seekToEndOfFile()
    handle.write(Data("not a record\n".utf8))
    try handle.close()

    try MetricsLog(path: path, resumedAt: 3).write(kind: "train", step: 4, ["loss": 0.25])
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines[3], "not a record")
    let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    XCTAssertEqual(records.map { $0["step"] as? Int }, [1, 2, 3, 3, 4])
    XCTAssertEqual(records[3]["event"] as? String, "resumed")
    XCTAssertEqual(records[3]["dropped_records"] as? Double, 3)
    XCTAssertEqual(records[4]["loss"] as? Double, 0.25)
  }

  func testUnwritableFolderIsOneLineError() {
    XCTAssertThrowsError(try MetricsLog(path: "/nonexistent-dir/metrics.jsonl")) { error in
      XCTAssertTrue("\(error)".contains("cannot create the file"), "\(error)")
    }
  }
}
