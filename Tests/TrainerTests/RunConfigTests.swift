// Run configs: YAML sections become dotted keys, overrides win, unknown keys and wrong types
// are one-line errors, and the resolved YAML reads back equal.
import Foundation
import Trainer
import XCTest

final class RunConfigTests: XCTestCase {
  private func write(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func testYamlSectionsAndOverrides() throws {
    let path = try write("""
      method:
        name: da
      da:
        t_range: [1, 100]
        channel_shuffle: false
      train:
        steps: 300
      """)
    let config = try RunConfig.load(paths: [path], overrides: ["train.steps=20", "optim.lr=2e-4"])
    XCTAssertEqual(config.string("method.name"), "da")
    XCTAssertEqual(config.ints("da.t_range"), [1, 100])
    XCTAssertFalse(config.bool("da.channel_shuffle"))
    XCTAssertEqual(config.int("train.steps"), 20)
    XCTAssertEqual(config.double("optim.lr"), 2e-4)
    XCTAssertEqual(config.double("da.margin"), 0.1, "untouched keys keep their defaults")
  }

  func testUnknownKeyIsErrorWithSuggestion() throws {
    let path = try write("train:\n  stpes: 10\n")
    XCTAssertThrowsError(try RunConfig.load(paths: [path])) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("unknown config key 'train.stpes'"), text)
      XCTAssertTrue(text.contains("did you mean train.steps?"), text)
    }
    XCTAssertThrowsError(try RunConfig.load(paths: [], overrides: ["nosuch.key=1"]))
    XCTAssertThrowsError(try RunConfig.load(paths: [try write("bogus:\n  a: 1\n")]))
  }

  func testWrongTypeNamesKeyAndType() throws {
    XCTAssertThrowsError(try RunConfig.load(paths: [], overrides: ["train.steps=many"])) { error in
      XCTAssertTrue("\(error)".contains("train.steps = 'many' is not an integer"), "\(error)")
    }
    XCTAssertThrowsError(try RunConfig.load(paths: [], overrides: ["train.steps"]))
  }

  func testMissingFileIsOneLineError() {
    XCTAssertThrowsError(try RunConfig.load(paths: ["/nonexistent/x.yaml"])) { error in
      XCTAssertTrue("\(error)".contains("cannot read the file"))
    }
  }

  func testResolvedYamlReadsBackEqual() throws {
    let config = try RunConfig.load(paths: [], overrides: ["run.name=a \"b\"", "data.sigma_range=[5, 50]", "da.channel_shuffle=false"])
    let again = try RunConfig.load(paths: [try write(config.yaml)])
    XCTAssertEqual(again, config)
  }
}
