// TemporaryFolderTestCase: the trainer tests' scratch folder — a fresh one under the system's
// temporary directory per test, removed afterwards.
import Foundation
import XCTest

class TemporaryFolderTestCase: XCTestCase {
  var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-\(type(of: self))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }
}
