// UnpairedMethodTests: CUT and ODCR through the trainer's own step (TrainingStep). ODCR's heads
// start orthonormal (QR after initialisation), are moved only by the method's Riemannian step (their
// Adam moments stay zero: the role is `methodUpdate`) and stay orthonormal; every other role moves
// in its phase; the step reports its losses and ‖ΘᵀΘ − I‖. CUT trains its biased heads with Adam.
import Comm
import Methods
import Tensors
@testable import Trainer
import XCTest

final class UnpairedMethodTests: XCTestCase {
  func step(_ method: String) throws -> (networks: [TrainedNetwork], before: [[Float]], scalars: [String: Double], model: TrainingMethod) {
    let config = try RunConfig.load(paths: [], overrides: [
      "method.name=\(method)", "method.task=dehaze", "cut.patches=8", "train.steps=4",
    ])
    let model = try MethodRegistry.entry(named: method).make(config)
    var rng = PhiloxRandom(seed: 1)
    let networks = try TrainingRun.networks(of: model, keepsEMA: true, using: &rng)
    let before = networks.map { Array(UnsafeBufferPointer(start: $0.parameters.pointer, count: $0.parameters.count)) }
    let step = try TrainingStep(method: model, networks: networks, communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20, gradientClip: 0)
    let batch = TrainingBatch(realInput: .uniform([1, 3, 16, 16], -1, 1, using: &rng), clean: .uniform([1, 3, 16, 16], -1, 1, using: &rng))
    let outcome = try step.run(batch: batch, context: StepContext(step: 0, totalSteps: 4, epoch: 1), using: &rng) {}
    XCTAssertFalse(outcome.skipped)
    return (networks, before, outcome.scalars, model)
  }

  func testODCRHeadsStayOrthonormalUnderTheirRiemannianStep() throws {
    let (networks, before, scalars, _) = try step("odcr")
    XCTAssertEqual(networks.map(\.role), ["generator", "discriminator", "heads", "classifier"])
    XCTAssertEqual(networks[2].settings.kind, .methodUpdate)
    for (k, network) in networks.enumerated() {
      let after = Array(UnsafeBufferPointer(start: network.parameters.pointer, count: network.parameters.count))
      XCTAssertNotEqual(after, before[k], "\(network.role) did not move")
    }
    let heads = networks[2]
    XCTAssert((0..<heads.parameters.count).allSatisfy { heads.optimizer.firstMoment.pointer[$0] == 0 }, "Adam touched the orthogonal heads")
    for parameter in heads.store.parameters {
      let w = parameter.value
      let (out, inputs) = (w.shape[0], w.shape[1])
      let m = DoubleMatrix(rows: out, columns: inputs, values: (0..<w.count).map { Double(w.data[$0]) })
      XCTAssertLessThan(StiefelManifold.orthogonalityError(out >= inputs ? m : m.transposed), 1e-5)
    }
    XCTAssertLessThan(scalars["orthogonality_error"] ?? 1, 1e-5)
    for key in ["loss_d", "loss_g", "loss_gan", "loss_wpnce", "loss_ce", "loss_nce_identity"] {
      XCTAssert(scalars[key]?.isFinite == true, "\(key) missing in \(scalars)")
    }
  }

  func testCUTTrainsItsHeadsWithAdamAndRestoresWithTheGenerator() throws {
    let (networks, _, scalars, model) = try step("cut")
    XCTAssertEqual(networks.map(\.role), ["generator", "discriminator", "heads"])
    XCTAssertEqual(networks.map(\.optimizer.beta1), [0.5, 0.5, 0.5])
    XCTAssertEqual(networks.map { $0.ema != nil }, [true, false, false], "only the generator keeps an EMA")
    XCTAssertNotEqual((0..<networks[2].parameters.count).filter { networks[2].optimizer.firstMoment.pointer[$0] != 0 }.count, 0)
    XCTAssert(["loss_d", "loss_g", "loss_nce", "loss_nce_identity"].allSatisfy { scalars[$0]?.isFinite == true }, "\(scalars)")
    // Restores an image of any size with one generator pass (padded to multiples of 4).
    var rng = PhiloxRandom(seed: 2)
    let restored = try model.restoration(RestorationOptions()).restore(.uniform([1, 3, 13, 18], -1, 1, using: &rng), using: &rng)
    XCTAssertEqual(restored.shape, [1, 3, 13, 18])
    XCTAssertThrowsError(try model.restoration(RestorationOptions(steps: 2)))
  }
}
