// InferenceTests: tiled restoration keeps the size and matches an untiled forward; evaluation of
// an identity restorer reproduces the PSNR of the degraded inputs computed by hand.
import Foundation
import Layers
import Methods
import Shards
import Tensors
@testable import Trainer
import XCTest

final class InferenceTests: XCTestCase {
  func tinyRestorer(seed: UInt64) throws -> TrainedNetwork {
    var rng = PhiloxRandom(seed: seed)
    let role = NetworkRole(name: "restorer", preset: "unet-tiny", module: try ModelPresets.spec(named: "unet-tiny").build(),
                           optimizer: OptimizerSettings(learningRate: 1e-3, emaDecay: 0.999))
    return TrainedNetwork(role, keepsEMA: false, using: &rng)
  }

  /// Mean |tiled − whole| over all pixels and mean |whole − input| (the residual's size), for
  /// `restorer` on a 300×217 image cut into 128-px tiles overlapping by 32.
  func tiledVersusWhole(_ restorer: RestorerUNet) throws -> (difference: Double, residual: Double) {
    var rng = PhiloxRandom(seed: 2)
    let image = Tensor.uniform([1, 3, 217, 300], 0.2, 0.8, using: &rng)
    var draws = PhiloxRandom(seed: 3)
    let tiled = try TiledRestoration(tile: 128, overlap: 32).restore(image, with: RestorerForward(restorer), using: &draws)
    let whole = try Autograd.withoutGradients { try restorer.restorePadded(image) }
    XCTAssertEqual(tiled.shape, [1, 3, 217, 300])
    var difference = 0.0, residual = 0.0
    for i in 0..<tiled.count {
      difference += Double(abs(tiled.data[i] - whole.data[i]))
      residual += Double(abs(whole.data[i] - image.data[i]))
    }
    return (difference / Double(tiled.count), residual / Double(tiled.count))
  }

  /// A restorer without down/up-sampling sees 4 px around each output pixel: tiles with a
  /// 32-px overlap reproduce the whole-image forward (no seams) to float rounding.
  func testTiledRestorationMatchesTheWholeImageForALocalNetwork() throws {
    let local = RestorerUNet(RestorerConfig(width: 8, depth: 1))
    var rng = PhiloxRandom(seed: 1)
    ParameterStore(module: local).initialize(using: &rng)
    let (difference, residual) = try tiledVersusWhole(local)
    XCTAssertGreaterThan(residual, 0.05)
    XCTAssertLessThan(difference, 1e-5, "mean |tiled − whole| = \(difference)")
  }

  /// The released U-Net upsamples with align_corners=true, whose sampling grid depends on the
  /// input size, so a tile's features are placed slightly differently from the whole image's
  /// everywhere (not only at seams): the difference stays a small fraction of the residual.
  func testTiledRestorationStaysCloseForTheUNet() throws {
    let (difference, residual) = try tiledVersusWhole(try tinyRestorer(seed: 1).module as! RestorerUNet)
    XCTAssertLessThan(difference, 0.12 * residual, "mean |tiled − whole| = \(difference), mean |residual| = \(residual)")
  }

  func testEvalOfAnIdentityCheckpointReproducesTheInputPSNR() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-eval-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let shards = try TinyShards.make(in: root)
    // All-zero weights: R(x) = 0, so the restorer returns its input.
    let net = try tinyRestorer(seed: 3)
    net.store.values.zero()
    let checkpoint = root.appendingPathComponent("identity.h5").path
    let config = try RunConfig.load(paths: [], overrides: ["model.restorer=unet-tiny"])
    try Checkpoint.write(checkpoint, networks: [net], header: .init(step: 7, bestPSNR: 0, config: config.yaml, ranks: []))
    let saved = try SavedModel.load(checkpoint, ema: true)
    XCTAssertFalse(saved.usedEMA)
    XCTAssertEqual(saved.step, 7)
    var rng = PhiloxRandom(seed: 0)
    let result = try Validator(folder: shards.val, range: .unit).run(try saved.method.restoration(RestorationOptions()), using: &rng)
    // PSNR of the stored degraded inputs against their targets, by hand on 8-bit RGB.
    let set = try ShardSet(folder: shards.val)
    var expected: [Double] = []
    for i in 0..<set.count {
      let (input, target) = try set.sample(i)
      let mse = zip(input!.pixels, target!.pixels).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(input!.pixels.count)
      expected.append(10 * log10(255 * 255 / mse))
    }
    XCTAssertEqual(result.images.count, expected.count)
    for (got, want) in zip(result.images, expected) { XCTAssertEqual(got.psnrRGB, want, accuracy: 1e-6) }
  }
}
