// End-to-end tests of checkpoint safety through the built binary: every command that reads a
// checkpoint (eval, restore, export, sample, solve) refuses one with a flipped byte (its offset
// found through h5py) in one line naming it, and reads one written before seals with a warning;
// a second `noiseda train` into the folder of a running one is refused naming its PID and host,
// and once that run is killed (-9) its lock file does not block; a checkpoint write that fails
// (a file-size limit; a full tmpfs while best.h5 is written, when the tests run as root) ends the
// run with one line naming the file and the cause, exit status 1 and no signal, the earlier
// checkpoints intact and no temporary file left; so do a failed export and a metrics.jsonl line
// that cannot be written (taken back: only whole lines stay).
import Foundation
import XCTest

final class CheckpointSafetyCommandTests: CommandTestCase {
  /// `noiseda train` arguments of a tiny vanilla run `name` under `out`.
  func trainArguments(_ shards: (pairs: String, real: String, val: String), out: String, name: String, _ extra: [String]) -> [String] {
    ["train", "--set", "run.out_dir=\(out)", "--set", "run.name=\(name)", "--set", "run.threads=1", "--set", "method.name=vanilla",
     "--set", "model.restorer=unet-tiny", "--set", "data.pairs=\(shards.pairs)", "--set", "data.val=\(shards.val)",
     "--set", "data.patch=16", "--set", "data.batch=2", "--set", "train.log_every=1"] + extra
  }

  /// Runs h5py (Debian's python3-h5py): `flip A DATASET` flips one bit in the middle of a
  /// dataset's stored bytes in A (the first dataset of a group); `copy A B` copies A's groups,
  /// datasets and attributes into a new file B, as a checkpoint from before seals.
  func h5py(_ action: String, _ checkpoint: String, _ argument: String) throws {
    let script = #"""
import sys, h5py
action, path, argument = sys.argv[1:4]
with h5py.File(path, "r") as f:
    if action == "copy":
        with h5py.File(argument, "w") as g:
            for key, value in f.attrs.items():
                g.attrs[key] = value
            for key in f:
                f.copy(f[key], g, key)
        sys.exit(0)
    d = f[argument]
    if isinstance(d, h5py.Group):
        d = d[sorted(d)[0]]
    offset = d.id.get_offset() + d.id.get_storage_size() // 2
with open(path, "r+b") as f:
    f.seek(offset)
    byte = f.read(1)[0]
    f.seek(offset)
    f.write(bytes([byte ^ 0x04]))
"""#
    let result = try run("/usr/bin/python3", ["-c", script, action, checkpoint, argument])
    XCTAssertEqual(result.status, 0, result.output)
  }

  /// The lines of `output` that report an error.
  func errorLines(_ output: String) -> [Substring] { output.split(separator: "\n").filter { $0.hasPrefix("Error:") } }

  func testEveryCommandRefusesADamagedCheckpointAndWarnsOnOneWithoutChecksum() throws {
    let binary = try noiseda()
    let shards = try makeShards()
    let trained = try run(binary, trainArguments(shards, out: path("runs"), name: "tiny", ["--set", "train.steps=2", "--set", "ema.decay=0.5"]))
    XCTAssertEqual(trained.status, 0, trained.output)
    let image = try makeSourceFolder("photo", count: 1, width: 20, height: 16) + "/img00.png"
    let damaged = path("damaged.h5")
    try FileManager.default.copyItem(atPath: path("runs/tiny/step-000002.h5"), toPath: damaged)
    try h5py("flip", damaged, "restorer/ema")
    let commands: [(String, [String])] = [
      ("eval", ["eval", "--checkpoint", damaged, "--data", shards.val, "--json", path("eval.json")]),
      ("restore", ["restore", "--checkpoint", damaged, "--input", image, "--output", path("restored.png")]),
      ("export", ["export", "--weights", damaged, "--output", path("restorer.safetensors")]),
      ("sample", ["sample", "--checkpoint", damaged, "--output", path("samples")]),
      ("solve", ["solve", "--prior", damaged, "--task", "sr4", "--input", image, "--output", path("solved.png")]),
    ]
    for (name, arguments) in commands {
      let result = try run(binary, arguments)
      XCTAssertEqual(result.status, 1, "\(name): \(result.output)")
      XCTAssertEqual(errorLines(result.output).count, 1, "\(name): \(result.output)")
      XCTAssert(result.output.contains("Error: checkpoint \(damaged) is damaged: its bytes hash to xxh64 "), "\(name): \(result.output)")
    }
    for output in ["eval.json", "restored.png", "restorer.safetensors", "samples", "solved.png"] {
      XCTAssertFalse(FileManager.default.fileExists(atPath: path(output)), "\(output) was written from a damaged checkpoint")
    }
    // A checkpoint from before seals: read, with a one-line warning.
    let old = path("old.h5")
    try h5py("copy", path("runs/tiny/step-000002.h5"), old)
    let eval = try run(binary, ["eval", "--checkpoint", old, "--data", shards.val, "--json", path("old.json")])
    XCTAssertEqual(eval.status, 0, eval.output)
    XCTAssertEqual(eval.output.split(separator: "\n").filter { $0.contains("carries no checksum") }.count, 1, eval.output)
  }

  func testASecondTrainIntoARunningFolderIsRefusedUntilThatRunIsKilled() throws {
    let binary = try noiseda()
    let shards = try makeShards()
    let arguments = trainArguments(shards, out: path("runs"), name: "shared", ["--set", "train.val_every=0"])
    let first = Process()
    first.executableURL = URL(fileURLWithPath: binary)
    first.arguments = arguments + ["--set", "train.steps=1000000", "--set", "train.checkpoint_every=2"]
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
    let lock = path("runs/shared/train.lock")
    var waited = 0.0
    while (try? String(contentsOfFile: lock, encoding: .utf8))?.hasPrefix("pid \(first.processIdentifier) ") != true {
      XCTAssert(first.isRunning && waited < 60, "the first run did not take the lock")
      guard first.isRunning && waited < 60 else { return }
      Thread.sleep(forTimeInterval: 0.1)
      waited += 0.1
    }
    let second = try run(binary, arguments + ["--set", "train.steps=2", "--resume", "auto"])
    XCTAssertEqual(second.status, 1, second.output)
    XCTAssertEqual(errorLines(second.output).count, 1, second.output)
    XCTAssert(second.output.contains("Error: run folder \(path("runs/shared")) is in use by another training run (pid \(first.processIdentifier) on host "),
              second.output)
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()
    XCTAssert(FileManager.default.fileExists(atPath: lock), "the killed run's lock file is gone; the test proves nothing")
    let third = try run(binary, arguments + ["--set", "train.steps=2", "--resume", "auto"])
    XCTAssertEqual(third.status, 0, third.output)
  }

  func testAFailedCheckpointWriteIsOneLineAndKeepsTheEarlierOnes() throws {
    let binary = try noiseda()
    let shards = try makeShards()
    let arguments = trainArguments(shards, out: path("runs"), name: "limited", ["--set", "train.checkpoint_every=1", "--set", "train.val_every=0"])
    let first = try run(binary, arguments + ["--set", "train.steps=1"])
    XCTAssertEqual(first.status, 0, first.output)
    // Files cannot grow past `kib` KiB (a checkpoint of unet-tiny takes about 550, its
    // safetensors export 130): a write past that fails with EFBIG, as a full disk fails with ENOSPC.
    func limited(_ kib: Int) -> [String] { ["-c", #"trap '' XFSZ; ulimit -f \#(kib); exec "$0" "$@""#, binary] }
    let second = try run("/bin/bash", limited(200) + arguments + ["--set", "train.steps=2", "--resume", "auto"])
    XCTAssertEqual(second.status, 1, second.output)
    XCTAssertEqual(errorLines(second.output).count, 1, second.output)
    let step2 = path("runs/limited/step-000002.h5")
    XCTAssert(second.output.contains("Error: checkpoint \(step2) could not be written (") && second.output.contains("File too large")
              && second.output.contains("the earlier checkpoints are intact"), second.output)
    let left = try FileManager.default.contentsOfDirectory(atPath: path("runs/limited"))
    XCTAssert(left.contains("step-000001.h5") && !left.contains("step-000002.h5") && !left.contains { $0.hasSuffix(".tmp") }, "\(left)")
    let eval = try run(binary, ["eval", "--checkpoint", path("runs/limited/step-000001.h5"), "--data", shards.val, "--json", path("e.json")])
    XCTAssertEqual(eval.status, 0, eval.output)
    let export = try run("/bin/bash", limited(64) + ["export", "--weights", path("runs/limited/step-000001.h5"), "--output", path("r.safetensors")])
    XCTAssertEqual(export.status, 1, export.output)
    XCTAssertEqual(errorLines(export.output).count, 1, export.output)
    XCTAssert(export.output.contains("Error: \(path("r.safetensors")): cannot be written (File too large)"), export.output)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("safetensors") }, [])
    // metrics.jsonl past 4 KiB: the line is taken back, the run ends in one line.
    let metrics = try run("/bin/bash", limited(4) + trainArguments(shards, out: path("runs"), name: "metrics", [
      "--set", "train.steps=60", "--set", "train.checkpoint_every=1000", "--set", "train.val_every=0"]))
    XCTAssertEqual(metrics.status, 1, metrics.output)
    XCTAssertEqual(errorLines(metrics.output).count, 1, metrics.output)
    XCTAssert(metrics.output.contains("Error: metrics \(path("runs/metrics/metrics.jsonl")): cannot append a record (File too large)"), metrics.output)
    for line in try String(contentsOfFile: path("runs/metrics/metrics.jsonl"), encoding: .utf8).split(separator: "\n") {
      XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "a partial line was left: \(line)")
    }
  }

  /// The issue's crash: the disk fills while best.h5 is written, after step-N.h5 fitted.
  func testAFullDiskWhileWritingBestIsOneLineNotACrash() throws {
    guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
    let binary = try noiseda()
    let shards = try makeShards()
    let extra = ["--set", "train.steps=1", "--set", "train.val_every=1"]
    // A reference run says how much the run folder takes; the tmpfs gets all but three quarters of
    // best.h5, so the disk fills while its weights are written (where the crash was).
    let reference = try run(binary, trainArguments(shards, out: path("reference"), name: "r", extra))
    XCTAssertEqual(reference.status, 0, reference.output)
    let files = try FileManager.default.subpathsOfDirectory(atPath: path("reference/r"))
    let pages = try files.map { try FileManager.default.attributesOfItem(atPath: path("reference/r/\($0)"))[.size] as! UInt64 }
      .reduce(0) { $0 + ($1 + 4095) / 4096 * 4096 }
    let best = try FileManager.default.attributesOfItem(atPath: path("reference/r/best.h5"))[.size] as! UInt64
    let disk = path("disk")
    try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
    let mount = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(pages - best * 3 / 4)", "tmpfs", disk])
    guard mount.status == 0 else { throw XCTSkip("cannot mount a tmpfs: \(mount.output)") }
    addTeardownBlock { _ = try? self.run("/bin/umount", [disk]) }

    let full = try run(binary, trainArguments(shards, out: disk, name: "r", extra))
    XCTAssertEqual(full.status, 1, "not a clean exit: \(full.output)")
    XCTAssertEqual(errorLines(full.output).count, 1, full.output)
    XCTAssert(full.output.contains("Error: checkpoint \(disk)/r/best.h5 could not be written (") && full.output.contains("No space left on device"),
              full.output)
    let left = try FileManager.default.contentsOfDirectory(atPath: "\(disk)/r")
    XCTAssert(left.contains("step-000001.h5") && !left.contains("best.h5") && !left.contains { $0.hasSuffix(".tmp") }, "\(left)")
    let eval = try run(binary, ["eval", "--checkpoint", "\(disk)/r/step-000001.h5", "--data", shards.val, "--json", path("e.json")])
    XCTAssertEqual(eval.status, 0, eval.output)
    _ = try run("/bin/dd", ["if=/dev/zero", "of=\(disk)/filler", "bs=4096"])  // what best.h5 left free
    let export = try run(binary, ["export", "--weights", "\(disk)/r/step-000001.h5", "--output", "\(disk)/r.safetensors"])
    XCTAssertEqual(export.status, 1, export.output)
    XCTAssert(export.output.contains("Error: \(disk)/r.safetensors: cannot be written (No space left on device)"), export.output)
  }
}
