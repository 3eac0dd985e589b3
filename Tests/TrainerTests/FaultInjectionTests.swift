// FaultInjectionTests: the test-support keys of the trainer on one rank — `debug.nan_steps`
// poisons exactly the named steps of the named rank (skipped, not applied, the run goes on) and
// `train.verify_every` records the agreed parameter checksum. Their multi-rank behaviour is
// checked under mpirun by Tests/TrainCheck/scenarios.sh.
import Comm
import Foundation
import HDF5Files
@testable import Trainer
import XCTest

final class FaultInjectionTests: TemporaryFolderTestCase {

  func run(_ extra: [String]) throws -> (TrainingRun, RunSummary, [[String: Any]]) {
    let shards = try TinyShards.make(in: root.appendingPathComponent("shards"))
    let config = try RunConfig.load(paths: [], overrides: [
      "run.out_dir=\(root.path)/runs", "run.seed=5", "method.name=vanilla", "model.restorer=unet-tiny",
      "data.pairs=\(shards.pairs)", "data.patch=16", "data.batch=2", "train.steps=4", "train.checkpoint_every=1",
      "train.log_every=1", "train.keep_last=10", "optim.lr=1e-3",
    ] + extra)
    let run = try TrainingRun(config: config, communicator: SingleProcessCommunicator(), resume: .none) { _ in }
    let summary = try run.run()
    let text = try String(contentsOf: run.folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    let records = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    return (run, summary, records)
  }

  func adamStep(_ run: TrainingRun, step: Int) throws -> Int {
    let file = try HDF5File.open(run.folder.appendingPathComponent(String(format: "step-%06d.h5", step)).path)
    defer { try? file.close() }
    return try file.root.group("restorer").intAttribute("adam_step")
  }

  func testInjectedNaNStepIsSkippedAndTheRunGoesOn() throws {
    let (run, summary, records) = try run(["debug.nan_steps=[2]", "debug.nan_rank=0"])
    XCTAssertEqual(summary.skippedSteps, 1)
    XCTAssertEqual(summary.lastStep, 4)
    XCTAssert(summary.finalLoss.isFinite)
    XCTAssertEqual(records.filter { $0["kind"] as? String == "event" }.compactMap { $0["step"] as? Int }, [2])
    XCTAssertEqual(records.filter { $0["kind"] as? String == "train" }.compactMap { $0["step"] as? Int }, [1, 3, 4])
    // The skipped step neither updated Adam nor wrote a checkpoint.
    XCTAssertFalse(FileManager.default.fileExists(atPath: run.folder.appendingPathComponent("step-000002.h5").path))
    XCTAssertEqual(try adamStep(run, step: 1), 1)
    XCTAssertEqual(try adamStep(run, step: 3), 2)
    XCTAssertEqual(try adamStep(run, step: 4), 3)
  }

  func testNaNStepsOfAnotherRankLeaveThisRankAlone() throws {
    let (_, summary, _) = try run(["debug.nan_steps=[2, 3]", "debug.nan_rank=1"])
    XCTAssertEqual(summary.skippedSteps, 0)
  }

  func testVerifyEveryRecordsTheChecksumOfTheParameters() throws {
    let (run, _, records) = try run(["train.verify_every=3"])
    let verifies = records.filter { $0["kind"] as? String == "verify" }
    XCTAssertEqual(verifies.compactMap { $0["step"] as? Int }, [3, 4])
    XCTAssertEqual(verifies.last?["checksum"] as? String, String(TrainingRun.checksum(of: run.networks), radix: 16))
  }
}
