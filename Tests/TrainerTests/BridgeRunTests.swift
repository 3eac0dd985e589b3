// BridgeRunTests: I2SB through the trainer on tiny shards — it trains (finite MSE, the bridge's
// weights move), validates through its sampler at i2sb.nfe, checkpoints the `bridge` role with its
// EMA, and restores from the checkpoint reproducibly per seed; its AdamW follows the StepLR decay;
// its pairs come from clean shards degraded by the loader (data.degrade: sr4:pool).
import Comm
import Foundation
import HDF5Files
import Methods
import Tensors
@testable import Trainer
import XCTest

final class BridgeRunTests: TemporaryFolderTestCase {

  func testI2SBTrainsValidatesThroughItsSamplerAndRestores() throws {
    let shards = try TinyShards.make(in: root.appendingPathComponent("shards"))
    let config = try RunConfig.load(paths: [], overrides: [
      "run.out_dir=\(root.path)/runs", "run.name=i2sb", "method.name=i2sb", "method.task=sr4", "i2sb.network=diffusion-tiny",
      "i2sb.nfe=2", "i2sb.lr_step=2", "i2sb.lr_gamma=0.5", "data.pairs=\(shards.pairs)", "data.degrade=sr4:pool", "data.val=\(shards.val)",
      "data.patch=16", "data.batch=2", "train.steps=4", "train.checkpoint_every=2", "train.val_every=4", "optim.lr=1e-3",
      "ema.decay=0.5",
    ])
    let run = try TrainingRun(config: config, communicator: SingleProcessCommunicator(), resume: .none) { _ in }
    let summary = try run.run()
    XCTAssert(summary.finalLoss.isFinite)
    XCTAssertNotNil(summary.validation, "validation did not run through the sampler")
    // StepLR: ×0.5 every 2 steps; after 4 steps the next step's rate is 1e-3 · 0.25.
    XCTAssertEqual(run.trainingStep.networks[0].settings.kind, .adamW)
    run.trainingStep.networks[0].scheduleLearningRate(step: 4)
    XCTAssertEqual(run.trainingStep.networks[0].optimizer.learningRate, 2.5e-4, accuracy: 1e-9)

    let checkpoint = run.folder.appendingPathComponent("step-000004.h5").path
    let file = try HDF5File.open(checkpoint)
    XCTAssertTrue(try file.root.contains("bridge") && file.root.group("bridge").contains("ema"))
    try file.close()
    let saved = try SavedModel.load(checkpoint, ema: true)
    var rng = PhiloxRandom(seed: 2)
    let image = Tensor.uniform([1, 3, 13, 11], -1, 1, using: &rng)
    func restored(_ seed: UInt64) throws -> [Float] {
      var draws = PhiloxRandom(seed: seed)
      return try saved.method.restoration(RestorationOptions(steps: 3)).restore(image, using: &draws).values
    }
    XCTAssertEqual(try restored(1), try restored(1))
    XCTAssertNotEqual(try restored(1), try restored(2))
    XCTAssertEqual(try restored(1).count, image.count)
  }
}
