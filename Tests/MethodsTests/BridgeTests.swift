// BridgeTests: I2SB's schedule against the values of algorithms.md §4.2 (the authors' code), the
// bridge's endpoints, the NFE step list, and the sampler's promises: OT-ODE is deterministic,
// centre-box inpainting keeps the known pixels, the noise comes from the seed; and the
// conditional DDPM baseline's respaced sampler.
import Layers
@testable import Methods
import Tensors
import XCTest

/// Settings for building methods in tests: the given values over the keys' defaults.
struct TestSettings: ConfigReading {
  var values: [String: ConfigValue]

  init(_ keys: [ConfigKey], _ overrides: [String: ConfigValue] = [:]) {
    let shared: [String: ConfigValue] = [
      "optim.lr": .double(1e-3), "optim.beta1": .double(0.9), "optim.beta2": .double(0.999), "optim.eps": .double(1e-8),
      "optim.weight_decay": .double(0), "ema.decay": .double(0.99),
    ]
    values = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0.defaultValue) }).merging(shared) { a, _ in a }
      .merging(overrides) { _, b in b }
  }

  func value(_ name: String) -> ConfigValue {
    guard let v = values[name] else { preconditionFailure("test settings lack \(name)") }
    return v
  }
}

final class BridgeTests: XCTestCase {
  func testScheduleMatchesTheAuthorsValues() {
    let s = BridgeSchedule(betaMax: 0.3)
    XCTAssertEqual(s.steps, 1000)
    XCTAssertEqual(s.betas[0], s.betas[999])
    XCTAssertEqual(s.betas[499], s.betas[500])
    XCTAssertEqual(s.sigmaForward[0], 0.01, accuracy: 1e-12)
    XCTAssertEqual(s.sigmaForward[999], 0.3755, accuracy: 5e-5)
    XCTAssertEqual(s.sigmaBackward[999], 0.01, accuracy: 1e-12)
    XCTAssertEqual(s.marginal(500).x0, 0.499, accuracy: 5e-4)
    XCTAssertEqual(s.marginal(500).std, 0.188, accuracy: 5e-4)
    let wide = BridgeSchedule(betaMax: 1.0)
    XCTAssertEqual(wide.sigmaForward[999], 0.497, accuracy: 5e-4)
    XCTAssertEqual(wide.marginal(500).std, 0.249, accuracy: 5e-4)
    XCTAssertEqual(s.timeInput(0), 0.1, accuracy: 1e-6)
    XCTAssertEqual(s.timeInput(999), 1000, accuracy: 1e-3)
  }

  /// q(x_0 | x₀, x₁) is x₀ within σ₀; q(x_N−1 | x₀, x₁) is centred on x₁.
  func testBridgeEndpoints() {
    let s = BridgeSchedule()
    let start = s.marginal(0), end = s.marginal(999)
    XCTAssertEqual(start.x0, 1, accuracy: 1e-3)
    XCTAssertLessThanOrEqual(start.std, s.sigmaForward[0])
    XCTAssertEqual(end.x1, 1, accuracy: 1e-3)
    XCTAssertEqual(end.x0 + end.x1, 1, accuracy: 1e-12)
    XCTAssertLessThanOrEqual(end.std, 0.01)
  }

  func testStepListsAreTheAuthorsSpaceIndices() {
    let s = BridgeSchedule()
    XCTAssertEqual(s.stepIndices(nfe: 2), [0, 500, 999])
    XCTAssertEqual(s.stepIndices(nfe: 1), [0, 999])
    XCTAssertEqual(s.stepIndices(nfe: 5), [0, 200, 400, 599, 799, 999])
    XCTAssertEqual(s.stepIndices(nfe: 999), Array(0...999))
  }

  /// A tiny i2sb method (diffusion-tiny as the bridge), its networks initialised.
  func bridge(_ overrides: [String: ConfigValue] = [:]) throws -> ImageToImageBridge {
    let method = try ImageToImageBridge(settings: TestSettings(ImageToImageBridge.configKeys, ["i2sb.network": .string("diffusion-tiny")].merging(overrides) { _, b in b }))
    var rng = PhiloxRandom(seed: 9)
    for role in method.roles { ParameterStore(module: role.module).initialize(using: &rng) }
    return method
  }

  func testOTODESamplingIsDeterministicAndNoisySamplingFollowsTheSeed() throws {
    var rng = PhiloxRandom(seed: 1)
    let image = Tensor.uniform([1, 3, 12, 10], -1, 1, using: &rng)
    func restored(_ method: ImageToImageBridge, _ options: RestorationOptions, seed: UInt64) throws -> [Float] {
      var draws = PhiloxRandom(seed: seed)
      return try method.restoration(options).restore(image, using: &draws).values
    }
    let plain = try bridge()
    XCTAssertEqual(try restored(plain, .init(steps: 3, deterministic: true), seed: 1), try restored(plain, .init(steps: 3, deterministic: true), seed: 2))
    XCTAssertNotEqual(try restored(plain, .init(steps: 3), seed: 1), try restored(plain, .init(steps: 3), seed: 2))
    XCTAssertEqual(try restored(plain, .init(steps: 3), seed: 4), try restored(plain, .init(steps: 3), seed: 4))
    let trainedOT = try bridge(["i2sb.ot_ode": .bool(true)])
    XCTAssertEqual(try restored(trainedOT, .init(steps: 2), seed: 1), try restored(trainedOT, .init(steps: 2), seed: 7))
    XCTAssertThrowsError(try plain.sampler(.init(steps: 1000)))
  }

  /// Centre-box inpainting: the pixels outside the box come back exactly under OT-ODE, and
  /// within a few s_0 (the last re-imposition's noise) otherwise.
  func testInpaintingKeepsTheKnownPixels() throws {
    let method = try bridge(["i2sb.mask": .string("center"), "i2sb.beta_max": .double(1.0)])
    XCTAssertEqual(method.dataKinds, [.clean])
    var rng = PhiloxRandom(seed: 3)
    let image = Tensor.uniform([1, 3, 16, 12], -1, 1, using: &rng)
    let mask = ImageToImageBridge.centerMask(like: image)
    for (deterministic, tolerance) in [(true, Float(0)), (false, Float(5 * method.schedule.marginal(0).std))] {
      var draws = PhiloxRandom(seed: 5)
      let out = try method.restoration(.init(steps: 4, deterministic: deterministic)).restore(image, using: &draws)
      var inside = 0.0
      for c in 0..<3 {
        for i in 0..<(16 * 12) {
          let k = c * 16 * 12 + i
          if mask.data[i] == 0 {
            XCTAssertEqual(out.data[k], image.data[k], accuracy: tolerance, "known pixel \(i) changed (OT-ODE \(deterministic))")
          } else {
            inside += Double(abs(out.data[k] - image.data[k]))
          }
        }
      }
      XCTAssertGreaterThan(inside, 0, "the masked region was not sampled")
    }
  }

  /// The baseline evaluates its network at the same steps as I2SB at equal NFE, and restores
  /// reproducibly per seed from noise.
  func testConditionalDDPMSamplesOnI2SBsStepsReproducibly() throws {
    let method = try ConditionalDDPM(settings: TestSettings(ConditionalDDPM.configKeys, ["cond_ddpm.network": .string("diffusion-tiny")]))
    var rng = PhiloxRandom(seed: 9)
    for role in method.roles { ParameterStore(module: role.module).initialize(using: &rng) }
    XCTAssertEqual((try method.sampler(.init(steps: 2)) as? RespacedSampler)?.kept, [500, 999])
    XCTAssertEqual((try method.sampler(.init(steps: 1)) as? RespacedSampler)?.kept, [999])
    let image = Tensor.uniform([1, 3, 8, 8], -1, 1, using: &rng)
    func restored(_ seed: UInt64) throws -> [Float] {
      var draws = PhiloxRandom(seed: seed)
      return try method.restoration(.init(steps: 3)).restore(image, using: &draws).values
    }
    XCTAssertEqual(try restored(1), try restored(1))
    XCTAssertNotEqual(try restored(1), try restored(2))
    XCTAssert(try restored(1).allSatisfy { $0.isFinite && abs($0) < 10 })
    XCTAssertThrowsError(try method.sampler(.init(deterministic: true)))
  }
}
