// End-to-end tests of `noiseda train`, `eval` and `restore` through the built binary on tiny
// data: convert PNGs to shards, train a few DA steps, resume, score the checkpoint, restore an
// odd-sized image; and the one-line errors of a bad config key and a missing checkpoint.
import Foundation
import XCTest

final class TrainCommandTests: CommandTestCase {
  func testTrainResumeEvalAndRestore() throws {
    let binary = try noiseda()
    let shards = try makeShards()
    let config = path("tiny.yaml")
    try """
      run: {name: tiny, out_dir: \(path("runs")), seed: 1}
      method: {name: da, task: denoise}
      model: {restorer: unet-tiny, diffusion: diffusion-tiny, diffusion_dropout: 0}
      data: {pairs: \(shards.pairs), real: \(shards.real), val: \(shards.val), patch: 16, batch: 2}
      train: {steps: 2, log_every: 1, val_every: 2, checkpoint_every: 2}
      ema: {decay: 0.5}
      """.write(toFile: config, atomically: true, encoding: .utf8)
    let first = try run(binary, ["train", "--config", config])
    XCTAssertEqual(first.status, 0, first.output)
    XCTAssert(first.output.contains("run folder \(path("runs"))/tiny"), first.output)
    XCTAssert(first.output.contains("validation (EMA): PSNR"), first.output)
    let again = try run(binary, ["train", "--config", config])
    XCTAssertNotEqual(again.status, 0)
    XCTAssert(again.output.contains("--resume auto"), again.output)
    let resumed = try run(binary, ["train", "--config", config, "--set", "train.steps=3", "--resume", "auto"])
    XCTAssertEqual(resumed.status, 0, resumed.output)
    XCTAssert(resumed.output.contains("resuming from") && resumed.output.contains("trained steps 3…3"), resumed.output)
    let finished = try run(binary, ["train", "--config", config, "--set", "train.steps=3", "--resume", "auto"])
    XCTAssertEqual(finished.status, 0, finished.output)
    XCTAssert(finished.output.contains("nothing to train: the run is already at step 3"), finished.output)

    let checkpoint = path("runs/tiny/step-000003.h5")
    let eval = try run(binary, ["eval", "--checkpoint", checkpoint, "--data", shards.val, "--json", path("eval.json")])
    XCTAssertEqual(eval.status, 0, eval.output)
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval.json")))) as! [String: Any]
    XCTAssertEqual((report["images"] as! [Any]).count, 3)
    XCTAssertNotNil((report["mean"] as! [String: Any])["psnrY"])

    let image = try makeSourceFolder("odd", count: 1, width: 37, height: 29) + "/img00.png"
    let restored = try run(binary, ["restore", "--checkpoint", checkpoint, "--input", image, "--output", path("restored.png"),
                                    "--tile", "16", "--overlap", "4"])
    XCTAssertEqual(restored.status, 0, restored.output)
    let size = try run("/usr/bin/python3", ["-c", "import skimage.io, sys; print(skimage.io.imread(sys.argv[1]).shape)", path("restored.png")])
    XCTAssertEqual(size.output.trimmingCharacters(in: .whitespacesAndNewlines), "(29, 37, 3)", size.output)
  }

  /// A method that restores by sampling (Methods/Examples/ToySampler.swift) goes through the same
  /// commands: `restore --steps K --seed S` is reproducible and depends on the seed, `eval` scores
  /// it, and `sample` draws images without an input.
  func testSamplerMethodRestoresEvaluatesAndSamplesThroughTheCommands() throws {
    let binary = try noiseda()
    let shards = try makeShards()
    let train = try run(binary, ["train", "--set", "method.name=toy-sampler", "--set", "run.out_dir=\(path("runs"))",
                                 "--set", "run.name=sampler", "--set", "data.pairs=\(shards.pairs)", "--set", "data.patch=16",
                                 "--set", "data.batch=2", "--set", "train.steps=2", "--set", "ema.decay=0.5"])
    XCTAssertEqual(train.status, 0, train.output)
    let checkpoint = path("runs/sampler/step-000002.h5")
    let image = try makeSourceFolder("odd", count: 1, width: 21, height: 17) + "/img00.png"
    func restore(_ name: String, seed: Int) throws -> Data {
      let result = try run(binary, ["restore", "--checkpoint", checkpoint, "--input", image, "--output", path(name),
                                    "--nfe", "3", "--seed", String(seed)])
      XCTAssertEqual(result.status, 0, result.output)
      return try Data(contentsOf: URL(fileURLWithPath: path(name)))
    }
    let first = try restore("a.png", seed: 1)
    XCTAssertEqual(try restore("b.png", seed: 1), first, "the same seed restored a different image")
    XCTAssertNotEqual(try restore("c.png", seed: 2), first, "the seed did not reach the sampler")
    let eval = try run(binary, ["eval", "--checkpoint", checkpoint, "--data", shards.val, "--nfe", "2", "--json", path("eval.json")])
    XCTAssertEqual(eval.status, 0, eval.output)
    XCTAssert(eval.output.contains("mean       PSNR"), eval.output)
    // The degraded inputs' own score, without a checkpoint; --inputs and --checkpoint exclude each other.
    let inputs = try run(binary, ["eval", "--inputs", "--data", shards.val, "--json", path("inputs.json")])
    XCTAssertEqual(inputs.status, 0, inputs.output)
    XCTAssert(inputs.output.contains("3 images, the degraded inputs"), inputs.output)
    XCTAssertNotEqual(try run(binary, ["eval", "--inputs", "--checkpoint", checkpoint, "--data", shards.val]).status, 0)
    let sample = try run(binary, ["sample", "--checkpoint", checkpoint, "--output", path("samples"), "--count", "2", "--size", "12"])
    XCTAssertEqual(sample.status, 0, sample.output)
    for i in 0..<2 { XCTAssert(FileManager.default.fileExists(atPath: path("samples/sample-\(i).png")), sample.output) }
    // A method without a sampler says so in one line.
    let vanilla = try run(binary, ["train", "--set", "run.out_dir=\(path("runs"))", "--set", "run.name=vanilla",
                                   "--set", "model.restorer=unet-tiny", "--set", "data.pairs=\(shards.pairs)", "--set", "data.patch=16",
                                   "--set", "data.batch=2", "--set", "train.steps=1"])
    XCTAssertEqual(vanilla.status, 0, vanilla.output)
    let refused = try run(binary, ["sample", "--checkpoint", path("runs/vanilla/step-000001.h5"), "--output", path("none")])
    XCTAssertNotEqual(refused.status, 0)
    XCTAssert(refused.output.contains("method vanilla restores in one network pass and has no sampler"), refused.output)
  }

  /// A ddpm prior trained on clean shards: `noiseda solve --measure` makes the measurement from a
  /// clean image, solves it reproducibly from the seed and scores the result; `sample` draws from
  /// the prior; `restore` says to use solve. An mpe function: `solve --mpe [--equireg]` on a folder,
  /// `inspect mpe`, and the one-line errors of misused EquiReg options.
  func testPriorSolvesInverseProblemsThroughTheCommands() throws {
    let binary = try noiseda()
    let photos = try makeSourceFolder("photos", count: 3, width: 48, height: 40)
    try FileManager.default.removeItem(atPath: photos + "/broken.jpg")
    let convert = try run(binary, ["convert", "--layout", "folder", "--input", photos, "--kind", "clean", "--task", "prior",
                                   "--tile", "32", "--out", path("clean")])
    XCTAssertEqual(convert.status, 0, convert.output)
    let train = try run(binary, ["train", "--set", "method.name=ddpm", "--set", "method.task=prior", "--set", "ddpm.network=diffusion-tiny",
                                 "--set", "run.out_dir=\(path("runs"))", "--set", "run.name=prior", "--set", "data.clean=\(path("clean"))",
                                 "--set", "data.patch=16", "--set", "data.batch=2", "--set", "train.steps=2", "--set", "ema.decay=0.5"])
    XCTAssertEqual(train.status, 0, train.output)
    let checkpoint = path("runs/prior/step-000002.h5")
    let clean = try makeSourceFolder("truth", count: 1, width: 32, height: 32) + "/img00.png"
    func solve(_ name: String, seed: Int) throws -> (output: String, bytes: Data) {
      let result = try run(binary, ["solve", "--prior", checkpoint, "--task", "sr4", "--input", clean, "--measure", "--steps", "3",
                                    "--zeta", "0.3", "--seed", String(seed), "--output", path(name)])
      XCTAssertEqual(result.status, 0, result.output)
      return (result.output, try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
    let first = try solve("a.png", seed: 1)
    XCTAssert(first.output.contains("PSNR") && first.output.contains(" → "), first.output)
    XCTAssertEqual(try solve("b.png", seed: 1).bytes, first.bytes, "the same seed solved differently")
    XCTAssertNotEqual(try solve("c.png", seed: 2).bytes, first.bytes, "the seed did not reach the solver")
    let sample = try run(binary, ["sample", "--checkpoint", checkpoint, "--output", path("samples"), "--count", "1", "--size", "16", "--nfe", "3"])
    XCTAssertEqual(sample.status, 0, sample.output)
    let restore = try run(binary, ["restore", "--checkpoint", checkpoint, "--input", clean, "--output", path("r.png")])
    XCTAssertNotEqual(restore.status, 0)
    XCTAssert(restore.output.contains("noiseda solve"), restore.output)

    // EquiReg: an MPE function trained on the same shards; a folder solved in one batch with its
    // penalty differs from plain DPS at the same seed, and both report each result's error E.
    let mpe = try run(binary, ["train", "--set", "method.name=mpe", "--set", "method.task=prior", "--set", "mpe.channels=4",
                               "--set", "mpe.blocks=2", "--set", "run.out_dir=\(path("runs"))", "--set", "run.name=mpe",
                               "--set", "data.clean=\(path("clean"))", "--set", "data.patch=16", "--set", "data.batch=2",
                               "--set", "train.steps=2"])
    XCTAssertEqual(mpe.status, 0, mpe.output)
    let function = path("runs/mpe/step-000002.h5")
    let folder = try makeSourceFolder("truths", count: 2, width: 32, height: 32)
    try? FileManager.default.removeItem(atPath: folder + "/broken.jpg")
    func solveFolder(_ name: String, _ extra: [String]) throws -> [String: Any] {
      let result = try run(binary, ["solve", "--prior", checkpoint, "--task", "inpaint-box", "--input", folder, "--measure", "--steps", "3",
                                    "--zeta", "0.5", "--seed", "1", "--output", path(name), "--mpe", function, "--json", path("\(name).json")] + extra)
      XCTAssertEqual(result.status, 0, result.output)
      XCTAssert(result.output.contains("mean of 2 images") && result.output.contains(" E "), result.output)
      return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("\(name).json")))) as! [String: Any]
    }
    let plain = try solveFolder("plain", [])
    let regularised = try solveFolder("equireg", ["--equireg", "--alpha", "0.5", "--freq", "1"])
    XCTAssertEqual((plain["images"] as! [Any]).count, 2)
    XCTAssertNotNil(plain["mean_equivariance_error"] as? Double)
    XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: path("plain/img00.png"))),
                      try Data(contentsOf: URL(fileURLWithPath: path("equireg/img00.png"))), "the penalty did not reach the solver")
    XCTAssertNotEqual(plain["mean_equivariance_error"] as? Double, regularised["mean_equivariance_error"] as? Double)
    let blur = try run(binary, ["solve", "--prior", checkpoint, "--task", "mblur", "--input", clean, "--measure", "--steps", "2",
                                "--output", path("mblur.png")])
    XCTAssertEqual(blur.status, 0, blur.output)
    // EquiReg's options without --equireg, and --equireg without --mpe, are one-line errors.
    let unused = try run(binary, ["solve", "--prior", checkpoint, "--task", "sr4", "--input", clean, "--output", path("x.png"), "--alpha", "0.1"])
    XCTAssertNotEqual(unused.status, 0)
    XCTAssert(unused.output.contains("add --equireg"), unused.output)
    let noFunction = try run(binary, ["solve", "--prior", checkpoint, "--task", "sr4", "--input", clean, "--output", path("x.png"), "--equireg"])
    XCTAssertNotEqual(noFunction.status, 0)
    XCTAssert(noFunction.output.contains("--equireg needs --mpe"), noFunction.output)
    let swapped = try run(binary, ["solve", "--prior", function, "--task", "sr4", "--input", clean, "--output", path("x.png")])
    XCTAssertNotEqual(swapped.status, 0)
    XCTAssert(swapped.output.contains("not a diffusion prior"), swapped.output)
    // The MPE check, with the prior's early-step estimates.
    let inspect = try run(binary, ["inspect", "mpe", function, "--data", path("clean"), "--prior", checkpoint, "--count", "4",
                                   "--json", path("mpe.json")])
    XCTAssertEqual(inspect.status, 0, inspect.output)
    XCTAssert(inspect.output.contains("noisy σ=0.2") && inspect.output.contains("prior x̂₀ at t=900"), inspect.output)
    let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("mpe.json")))) as! [[String: Any]]
    XCTAssertEqual(rows.count, 8)
  }

  func testBadConfigKeyAndMissingCheckpointAreOneLineErrors() throws {
    let binary = try noiseda()
    let bad = try run(binary, ["train", "--set", "optim.learning_rate=1"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssert(bad.output.contains("unknown config key 'optim.learning_rate'") && bad.output.contains("optim.lr"), bad.output)
    let twice = path("twice.yaml")
    try "optim:\n  lr: 1.0e-3\n  lr: 2.0e-3\n".write(toFile: twice, atomically: true, encoding: .utf8)
    let duplicated = try run(binary, ["train", "--config", twice])
    XCTAssertNotEqual(duplicated.status, 0)
    XCTAssert(duplicated.output.contains("optim.lr is set twice"), duplicated.output)
    let missing = try run(binary, ["eval", "--checkpoint", path("none.h5"), "--data", path("none")])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssert(missing.output.contains("none.h5"), missing.output)
  }
}
