// CheckpointIntegrityTests: checkpoints prove their integrity and a run folder takes one run at
// a time. One flipped byte in any dataset of a checkpoint (parameters, EMA, both Adam moments,
// the config, the rank states; first, middle and last byte of each, found by scanning the file
// for the dataset's values) is refused by the checksum and by SavedModel, the loader of every
// command, and so is one anywhere else (a stride over the file, densest over libhdf5's metadata
// at its start); `--resume auto` falls back past a damaged newest checkpoint, refuses a named
// damaged one, and is an error when every checkpoint is damaged; a second run into a held folder
// is refused naming this process, and a lock file left by a dead run does not block.
import Comm
import Foundation
import HDF5Files
@testable import Trainer
import XCTest

final class CheckpointIntegrityTests: TemporaryFolderTestCase {

  func config(steps: Int) throws -> RunConfig {
    let shards = try TinyShards.make(in: root.appendingPathComponent("shards"))
    return try RunConfig.load(paths: [], overrides: [
      "run.name=run", "run.out_dir=\(root.path)/runs", "run.seed=3", "method.name=vanilla", "model.restorer=unet-tiny",
      "data.pairs=\(shards.pairs)", "data.patch=16", "data.batch=2", "train.steps=\(steps)", "train.checkpoint_every=1",
      "train.log_every=1", "train.keep_last=5", "optim.lr=1e-3",
    ])
  }

  /// Trains a run to its end and returns its folder (the run, and with it the folder's lock, released).
  func train(_ config: RunConfig) throws -> URL {
    let run = try TrainingRun(config: config, communicator: SingleProcessCommunicator(), resume: .none) { _ in }
    _ = try run.run()
    return run.folder
  }

  func start(_ config: RunConfig, resume: ResumeMode, log: @escaping (String) -> Void = { _ in }) throws -> TrainingRun {
    try TrainingRun(config: config, communicator: SingleProcessCommunicator(), resume: resume, log: log)
  }

  /// The stored bytes of some of a checkpoint's datasets, by name, read through the HDF5 API.
  func datasetBytes(_ path: String) throws -> [(String, Data)] {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    let restorer = try root.group("restorer")
    func floats(_ dataset: HDF5Dataset) throws -> Data { try dataset.read(as: Float.self).withUnsafeBytes { Data($0) } }
    let params = try restorer.group("params"), ema = try restorer.group("ema")
    let firstParameter = try XCTUnwrap(params.childNames().first), lastEMA = try XCTUnwrap(ema.childNames().last)
    return [
      ("restorer/params/\(firstParameter)", try floats(params.dataset(firstParameter))),
      ("restorer/ema/\(lastEMA)", try floats(ema.dataset(lastEMA))),
      ("restorer/adam_m", try floats(restorer.dataset("adam_m"))),
      ("restorer/adam_v", try floats(restorer.dataset("adam_v"))),
      ("config", Data(try XCTUnwrap(root.dataset("config").readStrings().first).utf8)),
      ("ranks", Data(try XCTUnwrap(root.dataset("ranks").readStrings().first).utf8)),
    ]
  }

  /// Offsets of the first, middle and last byte of each dataset's values in the file's bytes.
  func offsets(in bytes: Data, of datasets: [(String, Data)]) throws -> [(String, Int)] {
    try datasets.flatMap { name, values -> [(String, Int)] in
      let found = try XCTUnwrap(bytes.range(of: values), "the values of \(name) are not stored as one run of bytes")
      XCTAssertNil(bytes[found.upperBound...].range(of: values), "the values of \(name) are stored twice")
      return [found.lowerBound, found.lowerBound + values.count / 2, found.upperBound - 1].map { (name, $0) }
    }
  }

  /// Flips one bit in the middle of `dataset`'s values in the checkpoint at `url`.
  func damage(_ url: URL, dataset: String) throws {
    var bytes = try Data(contentsOf: url)
    let offset = try XCTUnwrap(offsets(in: bytes, of: datasetBytes(url.path).filter { $0.0 == dataset }).dropFirst().first).1
    bytes[offset] ^= 0x08
    try bytes.write(to: url)
  }

  func testOneFlippedByteInAnyDatasetIsRefusedByEveryReader() throws {
    let path = try train(config(steps: 1)).appendingPathComponent("step-000001.h5").path
    XCTAssertNil(try Checkpoint.verify(path), "a fresh checkpoint carries a checksum")
    _ = try SavedModel.load(path, ema: true) { XCTFail("unexpected warning: \($0)") }
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    let targets = try offsets(in: original, of: datasetBytes(path))
    XCTAssertEqual(targets.count, 18)
    let readers: [(String, () throws -> Void)] = [
      ("Checkpoint.verify", { _ = try Checkpoint.verify(path) }),
      ("SavedModel.load (raw)", { _ = try SavedModel.load(path, ema: false) }),
      ("SavedModel.load (EMA)", { _ = try SavedModel.load(path, ema: true) }),
    ]
    for (dataset, offset) in targets {
      var damaged = original
      damaged[offset] ^= 0x01
      try damaged.write(to: URL(fileURLWithPath: path))
      for (reader, read) in readers {
        XCTAssertThrowsError(try read(), "\(reader) accepted a flipped byte at \(offset) in \(dataset)") {
          XCTAssert("\($0)".hasPrefix("checkpoint \(path) is damaged: "), "\($0)")
          XCTAssertFalse("\($0)".contains("\n"), "\($0)")
        }
      }
    }
    // Anywhere else after the seal's block: libhdf5's metadata (most of it in the first 4 KiB) too.
    for offset in Array(stride(from: 512, to: 4608, by: 31)) + Array(stride(from: 4608, to: original.count, by: 4093)) {
      var damaged = original
      damaged[offset] ^= 0x80
      try damaged.write(to: URL(fileURLWithPath: path))
      XCTAssertThrowsError(try Checkpoint.verify(path), "a flipped byte at \(offset) went unnoticed")
    }
    try original.write(to: URL(fileURLWithPath: path))
    XCTAssertNil(try Checkpoint.verify(path))
  }

  func testResumeFallsBackPastADamagedCheckpointAndRefusesWhenAllAreDamaged() throws {
    var c = try config(steps: 2)
    let folder = try train(c)
    let older = folder.appendingPathComponent("step-000001.h5"), newest = folder.appendingPathComponent("step-000002.h5")
    try damage(newest, dataset: "restorer/adam_v")
    try c.set("train.steps", to: "3", source: "test")
    var warnings: [String] = []
    XCTAssertEqual(try start(c, resume: .auto) { warnings.append($0) }.step, 1)
    XCTAssert(warnings.contains { $0.contains("step-000002.h5 is unusable") && $0.contains("is damaged") }, "\(warnings)")
    XCTAssertThrowsError(try start(c, resume: .path(newest.path))) {
      XCTAssert("\($0)".hasPrefix("checkpoint \(newest.path) is damaged"), "\($0)")
    }
    // Every checkpoint damaged: an error, never a fresh start over the run.
    try damage(older, dataset: "config")
    let metrics = try Data(contentsOf: folder.appendingPathComponent("metrics.jsonl"))
    XCTAssertThrowsError(try start(c, resume: .auto)) {
      XCTAssertEqual("\($0)", "run folder \(folder.path) holds 2 checkpoint(s) and none is usable (each is reported above); pass --resume with a checkpoint you trust, or move them away to start afresh")
    }
    XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("metrics.jsonl")), metrics, "the refused run rewrote metrics.jsonl")
  }

  func testASecondRunIntoAHeldFolderIsRefusedAndALeftoverLockFileIsNot() throws {
    let c = try config(steps: 1)
    let folder = root.appendingPathComponent("runs/run"), lock = folder.appendingPathComponent(RunFolderLock.fileName)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try "pid 999999 on host gone, started 2020-01-01T00:00:00Z\n".write(to: lock, atomically: true, encoding: .utf8)
    do {
      let holder = try start(c, resume: .none)  // the file of a run that is gone does not block
      XCTAssert(try String(contentsOf: lock, encoding: .utf8).hasPrefix("pid \(getpid()) on host "))
      XCTAssertThrowsError(try start(c, resume: .auto)) {
        XCTAssert("\($0)".hasPrefix("run folder \(folder.path) is in use by another training run (pid \(getpid()) on host "), "\($0)")
        XCTAssert("\($0)".hasSuffix("wait for it to end, or pick another run.name"), "\($0)")
      }
      XCTAssertEqual(holder.step, 0)
    }
    // Released with its run: the folder takes the next one.
    XCTAssertEqual(try start(c, resume: .auto).step, 0)
  }
}
