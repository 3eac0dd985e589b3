// Config limits: values outside a key's bounds (a negative learning rate, zero steps, a negative
// batch, NaN) are one-line errors naming the key and the file or override; an empty config file
// is named; and the memory floor of a training step refuses a batch or patch no machine holds
// while every preset in cluster/configs passes on a 24 GiB machine.
import Foundation
import Trainer
import XCTest

final class ConfigLimitsTests: XCTestCase {
  private func write(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  private func assertRefused(_ yaml: String, naming key: String, _ phrase: String, line: UInt = #line) throws {
    let path = try write(yaml)
    XCTAssertThrowsError(try RunConfig.load(paths: [path]), line: line) { error in
      let text = "\(error)"
      XCTAssertTrue(text.hasPrefix("\(path): \(key) = "), text, line: line)
      XCTAssertTrue(text.contains(phrase), text, line: line)
      XCTAssertFalse(text.contains("\n"), text, line: line)
    }
  }

  func testValuesOutsideTheirBoundsAreErrorsNamingKeyAndFile() throws {
    try assertRefused("optim:\n  lr: -0.001\n", naming: "optim.lr", "must be > 0")
    try assertRefused("optim:\n  lr: 0\n", naming: "optim.lr", "must be > 0")
    try assertRefused("optim:\n  lr: nan\n", naming: "optim.lr", "must be > 0")
    try assertRefused("train:\n  steps: 0\n", naming: "train.steps", "must be ≥ 1")
    try assertRefused("train:\n  steps: -1\n", naming: "train.steps", "must be ≥ 1")
    try assertRefused("data:\n  batch: -4\n", naming: "data.batch", "must be ≥ 1")
    try assertRefused("data:\n  patch: 0\n", naming: "data.patch", "must be ≥ 1")
    try assertRefused("optim:\n  beta2: 1\n", naming: "optim.beta2", "must be in [0, 1)")
    try assertRefused("cut:\n  lr: -2e-4\n", naming: "cut.lr", "must be > 0")
    try assertRefused("da:\n  t_range: [0, 999]\n", naming: "da.t_range", "must be in [1, 999]")
    XCTAssertThrowsError(try RunConfig.load(paths: [], overrides: ["train.steps=-5"])) { error in
      XCTAssertTrue("\(error)".hasPrefix("--set: train.steps = -5 must be ≥ 1"), "\(error)")
    }
    XCTAssertNoThrow(try RunConfig.load(paths: [], overrides: ["train.val_every=0", "optim.weight_decay=0", "ema.decay=1"]))
    XCTAssertTrue(ConfigSchema.reference.contains("default 0.0001, > 0 — Adam learning rate"), "bounds are listed by --help-config")
  }

  func testEmptyConfigFileIsNamed() throws {
    for text in ["", "# only a comment\n"] {
      let path = try write(text)
      XCTAssertThrowsError(try RunConfig.load(paths: [path])) { error in
        XCTAssertTrue("\(error)".hasPrefix("config \(path): the file sets no key"), "\(error)")
      }
    }
  }

  func testMemoryFloorRefusesImpossibleBatchesAndPatchesWithTheNumbers() throws {
    let gib: UInt64 = 1 << 30
    let huge = try RunConfig.load(paths: [], overrides: ["data.batch=1000000000000"])
    XCTAssertThrowsError(try StepMemoryEstimate(config: huge).check(huge, physicalMemory: 24 * gib, ranksOnHost: 1)) { error in
      let text = "\(error)"
      XCTAssertTrue(text.hasPrefix("data.batch = 1000000000000 (--set), data.patch = 128 need at least "), text)
      XCTAssertTrue(text.contains("more than this machine's 24.0 GiB of memory"), text)
    }
    let wide = try RunConfig.load(paths: [], overrides: ["data.patch=100000"])
    XCTAssertThrowsError(try StepMemoryEstimate(config: wide).check(wide, physicalMemory: 24 * gib, ranksOnHost: 1))
    let normal = RunConfig()
    XCTAssertNoThrow(try StepMemoryEstimate(config: normal).check(normal, physicalMemory: 24 * gib, ranksOnHost: 1))
    let floor = try StepMemoryEstimate(config: normal).totalBytes
    XCTAssertThrowsError(try StepMemoryEstimate(config: normal).check(normal, physicalMemory: UInt64(floor) + 1, ranksOnHost: 2),
                         "two ranks on the host need twice the floor")
  }

  /// Every preset config (the paper-size ones too: they are meant for a cluster, but none is
  /// impossible on one 24 GiB machine by the floor) passes the check.
  func testClusterConfigsPassOnA24GiBMachine() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let folder = root.appendingPathComponent("cluster/configs")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
    XCTAssertFalse(names.isEmpty)
    for name in names {
      let config = try RunConfig.load(paths: [folder.appendingPathComponent(name).path])
      let estimate = try StepMemoryEstimate(config: config)
      XCTAssertNoThrow(try estimate.check(config, physicalMemory: 24 << 30, ranksOnHost: 1), name)
      print(String(format: "%@: floor %.2f GiB", name, estimate.totalBytes / 0x1p30))
    }
  }
}
