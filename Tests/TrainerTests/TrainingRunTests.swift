// TrainingRunTests: whole runs of the trainer on tiny networks and shards, one rank: a DA run
// writes metrics, checkpoints and validation; a resumed run ends bit-identical to an
// uninterrupted one; a corrupt newest checkpoint falls back to the previous one, and the metrics
// of the abandoned steps are removed; a run folder with checkpoints is not overwritten.
import Comm
import Foundation
import HDF5Files
import Layers
@testable import Trainer
import XCTest

final class TrainingRunTests: TemporaryFolderTestCase {

  func config(method: String = "da", name: String = "run", steps: Int = 4) throws -> RunConfig {
    let shards = try TinyShards.make(in: root.appendingPathComponent("shards-\(name)"))
    // DA's own keys only where the method reads them: a key nothing reads is an error.
    let adaptation = method == "vanilla" ? [] : [
      "model.diffusion=diffusion-tiny", "model.diffusion_dropout=0.1", "data.real=\(shards.real)", "da.ramp_fraction=0.5",
    ]
    return try RunConfig.load(paths: [], overrides: [
      "run.name=\(name)", "run.out_dir=\(root.path)/runs", "run.seed=3", "method.name=\(method)", "model.restorer=unet-tiny",
      "data.pairs=\(shards.pairs)", "data.val=\(shards.val)", "data.patch=16", "data.batch=2",
      "train.steps=\(steps)", "train.checkpoint_every=2", "train.val_every=4", "train.log_every=1", "train.keep_last=5",
      "optim.lr=1e-3", "train.diagnostics_every=2",
    ] + adaptation)
  }

  func train(_ config: RunConfig, resume: ResumeMode = .none) throws -> (TrainingRun, RunSummary) {
    let run = try TrainingRun(config: config, communicator: SingleProcessCommunicator(), resume: resume) { _ in }
    return (run, try run.run())
  }

  func testDARunWritesMetricsCheckpointsAndValidation() throws {
    let (run, summary) = try train(try config())
    XCTAssertEqual(summary.lastStep, 4)
    XCTAssertEqual(summary.skippedSteps, 0)
    XCTAssert(summary.finalLoss.isFinite)
    XCTAssertNotNil(summary.validation)
    let names = try FileManager.default.contentsOfDirectory(atPath: run.folder.path)
    for expected in ["step-000002.h5", "step-000004.h5", "best.h5", "metrics.jsonl", "config.yaml", "val"] {
      XCTAssert(names.contains(expected), "run folder lacks \(expected): \(names)")
    }
    let lines = try String(contentsOf: run.folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.filter { $0.contains("\"train\"") }.count, 4)
    XCTAssert(lines.contains { $0.contains("\"val\"") && $0.contains("psnr_y") })
    XCTAssert(lines.contains { $0.contains("d_neg") && $0.contains("hinge_active") })
    XCTAssert(lines.contains { $0.contains("grad_dif") && $0.contains("real_slot_change") })
    let header = try Checkpoint.readHeader(run.folder.appendingPathComponent("step-000004.h5").path, roles: ["restorer", "diffusion"])
    XCTAssertEqual(header.step, 4)
    XCTAssertEqual(header.ranks.count, 1)
    XCTAssertEqual(header.ranks[0].cursors["pairs"]?.position, 2)  // 4 steps × 2 images of 6, epoch 1
    // DA steps move both networks.
    for role in ["restorer", "diffusion"] {
      let early = try weights(run.folder.appendingPathComponent("step-000002.h5").path, role, "params")
      let late = try weights(run.folder.appendingPathComponent("step-000004.h5").path, role, "params")
      XCTAssert(early.contains { $0.value != late[$0.key] }, "\(role) weights did not change between steps 2 and 4")
    }
  }

  /// λ ramps over epochs here (da.ramp_fraction 0), so extending train.steps keeps the schedule.
  func testResumedRunIsBitIdenticalToAnUninterruptedOne() throws {
    var straightConfig = try config(name: "straight")
    try straightConfig.set("da.ramp_fraction", to: "0", source: "test")
    try straightConfig.set("da.ramp_epochs", to: "2", source: "test")
    let straight = try train(straightConfig).0
    var first = try config(name: "resumed")
    try first.set("da.ramp_fraction", to: "0", source: "test")
    try first.set("da.ramp_epochs", to: "2", source: "test")
    try first.set("train.steps", to: "2", source: "test")
    _ = try train(first)
    var second = first
    try second.set("train.steps", to: "4", source: "test")
    let resumed = try train(second, resume: .auto).0
    for role in ["restorer", "diffusion"] {
      for group in ["params", "ema"] {
        let a = try weights(straight.folder.appendingPathComponent("step-000004.h5").path, role, group)
        let b = try weights(resumed.folder.appendingPathComponent("step-000004.h5").path, role, group)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for (name, values) in a {
          let other = b[name] ?? []
          let differing = zip(values, other).filter { $0.0.bitPattern != $0.1.bitPattern }.count
          XCTAssert(values.count == other.count && differing == 0, "\(role)/\(group)/\(name): \(differing) of \(values.count) values differ after resume")
        }
      }
    }
  }

  func testCorruptNewestCheckpointFallsBackToThePreviousOne() throws {
    var c = try config(method: "vanilla", name: "corrupt")
    let folder = try train(c).0.folder  // the run released, and with it the folder's lock
    let newest = folder.appendingPathComponent("step-000004.h5")
    let bytes = try Data(contentsOf: newest)
    try bytes.prefix(bytes.count / 3).write(to: newest)
    try c.set("train.steps", to: "6", source: "test")
    var warnings: [String] = []
    let resumedStep = try TrainingRun(config: c, communicator: SingleProcessCommunicator(), resume: .auto) { warnings.append($0) }.step
    XCTAssertEqual(resumedStep, 2)
    XCTAssert(warnings.contains { $0.contains("step-000004.h5") && $0.contains("unusable") }, "\(warnings)")
    // The records of steps 3 and 4 belong to the abandoned run: gone, so the resumed run logs them once.
    let records = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
      .split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    XCTAssertEqual(records.compactMap { $0["step"] as? Int }.max(), 2)
    XCTAssertEqual(records.last?["event"] as? String, "resumed")
    XCTAssertThrowsError(try TrainingRun(config: c, communicator: SingleProcessCommunicator(), resume: .none)) {
      XCTAssert("\($0)".contains("--resume auto"))
    }
  }

  func testMissingShardsAndUnknownMethodAreOneLineErrors() throws {
    var c = try config(method: "vanilla", name: "errors")
    try c.set("data.pairs", to: root.appendingPathComponent("nowhere").path, source: "test")
    XCTAssertThrowsError(try TrainingRun(config: c, communicator: SingleProcessCommunicator(), resume: .none)) {
      XCTAssert("\($0)".contains("nowhere"), "\($0)")
    }
    try c.set("method.name", to: "dann", source: "test")
    XCTAssertThrowsError(try TrainingRun(config: c, communicator: SingleProcessCommunicator(), resume: .none)) {
      XCTAssert("\($0)".contains("'dann' is not a method; use one of vanilla, da, da-unpaired"), "\($0)")
    }
  }

  /// A key the user set that neither the trainer nor the method reads is an error naming it.
  func testAKeyTheMethodDoesNotReadIsAnError() throws {
    var c = try config(method: "vanilla", name: "unused")
    try c.set("da.margin", to: "0.3", source: "--set")
    try c.set("model.diffusion", to: "diffusion-s", source: "--set")
    XCTAssertThrowsError(try TrainingRun(config: c, communicator: SingleProcessCommunicator(), resume: .none)) {
      XCTAssertEqual("\($0)", "--set: da.margin (and model.diffusion) is not used by method vanilla; remove it, or pick the method that reads it")
    }
    var da = try config(method: "da", name: "used")
    try da.set("da.margin", to: "0.3", source: "--set")
    XCTAssertNoThrow(try TrainingRun(config: da, communicator: SingleProcessCommunicator(), resume: .none) { _ in })
  }

  /// Parameter name → values of one group of a checkpoint.
  func weights(_ path: String, _ role: String, _ group: String) throws -> [String: [Float]] {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let g = try file.root.group(role).group(group)
    var out: [String: [Float]] = [:]
    for name in try g.childNames() { out[name] = try g.dataset(name).read(as: Float.self) }
    return out
  }
}
