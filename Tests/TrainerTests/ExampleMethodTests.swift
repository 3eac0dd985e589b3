// ExampleMethodTests: the seams of the training core, through the two example methods that are
// not DA (Methods/Examples). ToyAdversarial: each phase updates only its roles — a frozen role's
// weights, Adam moments and gradients are untouched by the phase that freezes it — every role
// has its own β1, the post-step hook runs, and the learning-rate schedule applies per role.
// ToySampler: restoration through a K-step sampler with image gradients is seeded (same seed,
// same output; another seed, another output) and never writes a gradient into the frozen weights.
import Comm
import Foundation
import Layers
import Methods
import Tensors
@testable import Trainer
import XCTest

final class ExampleMethodTests: TemporaryFolderTestCase {

  /// Parameters, Adam moments and gradients of one network, as arrays.
  struct State: Equatable {
    let values: [Float], firstMoment: [Float], secondMoment: [Float], gradients: [Float]
    init(_ n: TrainedNetwork) {
      func read(_ p: UnsafeMutablePointer<Float>) -> [Float] { Array(UnsafeBufferPointer(start: p, count: n.store.flatCount)) }
      values = read(n.store.values.pointer)
      firstMoment = read(n.optimizer.firstMoment.pointer)
      secondMoment = read(n.optimizer.secondMoment.pointer)
      gradients = read(n.store.gradients.pointer)
    }
  }

  func testEachPhaseUpdatesOnlyItsRolesAndLeavesFrozenRolesUntouched() throws {
    let config = try RunConfig.load(paths: [], overrides: ["method.name=toy-adversarial", "optim.lr=1e-2", "train.steps=8"])
    let method = try MethodRegistry.entry(named: "toy-adversarial").make(config)
    var initRNG = PhiloxRandom(seed: 1)
    let networks = try TrainingRun.networks(of: method, keepsEMA: true, using: &initRNG)
    XCTAssertEqual(networks.map(\.role), ["generator", "discriminator", "head"])
    XCTAssertEqual(networks.map(\.optimizer.beta1), [0.5, 0.8, 0.9])
    XCTAssertEqual(networks.map { $0.ema != nil }, [true, false, false], "only the generator keeps an EMA")
    let step = try TrainingStep(method: method, networks: networks, communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20, gradientClip: 0)
    var rng = PhiloxRandom(seed: 2)
    let batch = TrainingBatch(realInput: .uniform([2, 3, 8, 8], using: &rng), clean: .uniform([2, 3, 8, 8], using: &rng))

    let before = networks.map(State.init)
    var afterPhase: [[State]] = []
    let outcome = try step.run(batch: batch, context: StepContext(step: 0, totalSteps: 8, epoch: 1), using: &rng) {
      afterPhase.append(networks.map(State.init))
    }
    XCTAssertFalse(outcome.skipped)
    XCTAssertEqual(afterPhase.count, 2)
    // Phase 1 (discriminator): generator and head keep weights, moments and (zero) gradients.
    for k in [0, 2] { XCTAssertEqual(afterPhase[0][k], before[k], "\(networks[k].role) changed in the discriminator's phase") }
    XCTAssertNotEqual(afterPhase[0][1].values, before[1].values, "the discriminator did not move")
    // Phase 2 (generator + head): the discriminator keeps everything, gradients included.
    XCTAssertEqual(afterPhase[1][1], afterPhase[0][1], "the discriminator changed in the generator's phase")
    for k in [0, 2] { XCTAssertNotEqual(afterPhase[1][k].values, before[k].values, "\(networks[k].role) did not move") }
    XCTAssertEqual(networks.map(\.optimizer.stepCount), [1, 1, 1])
    XCTAssert(["loss_d", "loss_g", "loss_gan", "loss_rec"].allSatisfy { outcome.scalars[$0]?.isFinite == true }, "\(outcome.scalars)")
    // The head's post-step hook put its weight back on the unit sphere.
    let head = networks[2].store.parameter(named: "weight")!.value
    XCTAssertEqual((0..<head.count).reduce(0.0) { $0 + Double(head.data[$1] * head.data[$1]) }, 1, accuracy: 1e-5)
    // Every parameter requires gradients again once the step is over.
    XCTAssert(networks.allSatisfy { $0.store.parameters.allSatisfy { $0.value.requiresGrad } })
    // Linear decay over the second half of 8 steps: the generator's rate at step 6 is half, the discriminator's unchanged.
    networks.forEach { $0.scheduleLearningRate(step: 6) }
    XCTAssertEqual(networks.map(\.optimizer.learningRate), [0.005, 0.01, 0.005])
  }

  func testSamplerRestorationIsSeededAndLeavesTheFrozenWeightsAlone() throws {
    let shards = try TinyShards.make(in: root.appendingPathComponent("shards"))
    let config = try RunConfig.load(paths: [], overrides: [
      "run.out_dir=\(root.path)/runs", "run.name=sampler", "method.name=toy-sampler", "data.pairs=\(shards.pairs)",
      "data.patch=16", "data.batch=2", "train.steps=2", "train.checkpoint_every=2", "optim.lr=1e-3",
    ])
    let run = try TrainingRun(config: config, communicator: SingleProcessCommunicator(), resume: .none) { _ in }
    _ = try run.run()
    let saved = try SavedModel.load(run.folder.appendingPathComponent("step-000002.h5").path, ema: true)
    let restoration = try saved.method.restoration(RestorationOptions(steps: 3))
    var rng = PhiloxRandom(seed: 5)
    let image = Tensor.uniform([1, 3, 12, 10], using: &rng)
    func restored(seed: UInt64) throws -> [Float] {
      var draws = PhiloxRandom(seed: seed)
      return try restoration.restore(image, using: &draws).values
    }
    let first = try restored(seed: 1)
    XCTAssertEqual(try restored(seed: 1), first, "the same seed must restore the same image")
    XCTAssertNotEqual(try restored(seed: 2), first, "the sampler's noise must come from the seed")
    XCTAssertNotEqual(first, image.values, "the sampler left the image as it was")
    let store = try XCTUnwrap(saved.stores["denoiser"])
    XCTAssert(UnsafeBufferPointer(start: store.gradients.pointer, count: store.flatCount).allSatisfy { $0 == 0 },
              "image gradients reached the frozen weights")
    XCTAssertThrowsError(try AdaptationFamily(.vanilla, settings: RunConfig()).restoration(RestorationOptions(steps: 3)))
  }
}
