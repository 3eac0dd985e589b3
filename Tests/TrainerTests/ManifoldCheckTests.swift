// ManifoldCheckTests: an MPE function trained by the trainer's own step (method mpe, the
// equivariance objective, smooth procedural images) becomes more equivariant on clean images, and
// the MPE check (`noiseda inspect mpe`) then ranks clean images below noisy ones.
import Comm
import Methods
import Shards
import Tensors
@testable import Trainer
import XCTest

final class ManifoldCheckTests: XCTestCase {
  /// Smooth images in [−1, 1]: per-channel sinusoids of random frequency and phase.
  func smoothImages(_ count: Int, side: Int, using rng: inout PhiloxRandom) -> Tensor {
    let images = Tensor(shape: [count, 3, side, side], repeating: 0)
    for n in 0..<count {
      let (a, b) = (rng.uniform(0.1, 0.5), rng.uniform(0.1, 0.5))
      for c in 0..<3 {
        let phase = rng.uniform(0, 6)
        for y in 0..<side { for x in 0..<side { images.data[((n * 3 + c) * side + y) * side + x] = 0.8 * sin(a * Float(x) + b * Float(y) + phase) } }
      }
    }
    return images
  }

  func testATrainedFunctionRanksCleanImagesBelowNoisyOnes() throws {
    let config = try RunConfig.load(paths: [], overrides: [
      "method.name=mpe", "method.task=prior", "mpe.channels=8", "mpe.blocks=2", "optim.lr=3e-3", "train.steps=60",
    ])
    let method = try MethodRegistry.entry(named: "mpe").make(config)
    var rng = PhiloxRandom(seed: 1)
    let networks = try TrainingRun.networks(of: method, keepsEMA: false, using: &rng)
    let step = try TrainingStep(method: method, networks: networks, communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20, gradientClip: 0)
    let test = smoothImages(16, side: 16, using: &rng)
    let manifold = try method.manifoldFunction()
    func check() throws -> [ManifoldCheckRow] { try ManifoldCheck.run(manifold, clean: test, range: .symmetric, prior: nil, seed: 3) }
    let before = try check()
    for i in 0..<60 {
      _ = try step.run(batch: TrainingBatch(clean: smoothImages(8, side: 16, using: &rng)), context: StepContext(step: i, totalSteps: 60, epoch: 1),
                       using: &rng) {}
    }
    let after = try check()
    XCTAssertEqual(after.map(\.images), ["clean", "noisy σ=0.05", "noisy σ=0.2", "blurred σ=1 px", "blurred σ=2 px"])
    XCTAssertLessThan(after[0].meanError, before[0].meanError / 2, "training did not make f more equivariant on clean images")
    XCTAssertLessThan(after[0].meanError, after[1].meanError, "\(after)")
    XCTAssertLessThan(after[1].meanError, after[2].meanError, "\(after)")
  }
}
