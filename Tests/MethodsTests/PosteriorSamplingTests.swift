// PosteriorSamplingTests: the DDPM prior and diffusion posterior sampling (issue 12): with ζ = 0
// a DPS step is the plain ancestral step, the gradient DPS follows matches finite differences of
// ‖y − A(x̂₀)‖ through the frozen prior, solves are reproducible from the seed, and the
// measurement operators do what their names say.
import Layers
@testable import Methods
import Tensors
import XCTest

final class PosteriorSamplingTests: XCTestCase {
  /// A ddpm prior with the tiny diffusion net, initialised (weights times `scale`), frozen.
  func prior(scale: Float = 1) throws -> DiffusionPrior {
    let method = try DiffusionPrior(settings: TestSettings(DiffusionPrior.configKeys, ["ddpm.network": .string("diffusion-tiny")]))
    var rng = PhiloxRandom(seed: 4)
    let store = ParameterStore(module: method.network)
    store.initialize(using: &rng)
    for i in 0..<store.flatCount { store.values.pointer[i] = scale * (store.values.pointer[i] + rng.uniform(-0.05, 0.05)) }
    store.parameters.forEach { $0.value.requiresGrad = false }
    return method
  }

  func testOperatorsDoWhatTheirNamesSay() throws {
    var rng = PhiloxRandom(seed: 1)
    let x = Tensor.uniform([1, 3, 32, 32], -1, 1, using: &rng)
    let sr = try MeasurementOperator(.sr4, height: 32, width: 32, using: &rng)
    XCTAssertEqual(try sr.apply(x).shape, [1, 3, 8, 8])
    let blur = try MeasurementOperator(.gblur, height: 32, width: 32, using: &rng)
    let flat = Tensor(shape: [1, 3, 32, 32], repeating: 0.25)
    XCTAssert(try blur.apply(flat).values.allSatisfy { abs($0 - 0.25) < 1e-5 }, "the blur kernel is not normalised")
    let box = try MeasurementOperator(.inpaintBox, height: 32, width: 32, using: &rng)
    let boxed = try box.apply(x)
    XCTAssertEqual(boxed.data[16 * 32 + 16], 0)
    XCTAssertEqual(boxed.data[2 * 32 + 2], x.data[2 * 32 + 2])
    let random = try MeasurementOperator(.inpaintRandom, height: 32, width: 32, removed: 0.7, using: &rng)
    let kept = Double(random.mask!.values.reduce(0, +)) / 1024
    XCTAssertEqual(kept, 0.3, accuracy: 0.06)
    let y = try box.measure(x, using: &rng)
    let residual = zip(y.values, boxed.values).map { Double($0 - $1) }
    let std = (residual.reduce(0) { $0 + $1 * $1 } / Double(residual.count)).squareRoot()
    XCTAssertEqual(std, 0.05, accuracy: 0.005)
    XCTAssertThrowsError(try MeasurementOperator(.sr4, height: 30, width: 32, using: &rng))
  }

  /// ζ = 0: one DPS step is the prior's plain ancestral step from the same state and draws.
  func testAZeroStepSizeIsThePlainDDPMStep() throws {
    let method = try prior()
    var rng = PhiloxRandom(seed: 2)
    let x = Tensor.normal([1, 3, 8, 8], using: &rng)
    let y = Tensor.normal([1, 3, 2, 2], using: &rng)
    let measurement = try MeasurementOperator(.sr4, height: 8, width: 8, using: &rng)
    let dps = try method.posteriorSampler(measurement, steps: 5, zeta: 0)
    let plain = try method.sampler(RestorationOptions(steps: 5))
    for k in [5, 3, 1] {
      var a = PhiloxRandom(seed: 9), b = PhiloxRandom(seed: 9)
      let input = x.detached()
      input.requiresGrad = true
      let ours = try dps.update(input, step: k, degraded: y, using: &a)
      let theirs = try Autograd.withoutGradients { try plain.update(x, step: k, degraded: nil, using: &b) }
      XCTAssertEqual(ours.values, theirs.values, "step \(k)")
    }
  }

  /// The correction DPS applies, −ζ·∇ₓ‖y − A(x̂₀(x))‖, against central finite differences of that
  /// norm along random directions (through the frozen prior, the clamp and the operator). With the
  /// prior's weights scaled down, the lowest kept step (τ = 200) and a small x, x̂₀ stays inside
  /// [−1, 1], so the differences do not cross the clamp's kinks.
  func testTheDPSCorrectionIsTheGradientOfTheMeasurementDistance() throws {
    let method = try prior(scale: 0.2)
    var rng = PhiloxRandom(seed: 3)
    let x = Tensor.normal([1, 3, 8, 8], using: &rng) * 0.5
    let y = Tensor.normal([1, 3, 8, 8], using: &rng)
    let measurement = try MeasurementOperator(.inpaintBox, height: 8, width: 8, using: &rng)
    let zeta: Float = 0.5, k = 1
    let dps = try method.posteriorSampler(measurement, steps: 5, zeta: zeta)
    let plain = try method.posteriorSampler(measurement, steps: 5, zeta: 0)
    var a = PhiloxRandom(seed: 7), b = PhiloxRandom(seed: 7)
    let leaf = x.detached()
    leaf.requiresGrad = true
    let corrected = try dps.update(leaf, step: k, degraded: y, using: &a)
    let uncorrected = try Autograd.withoutGradients { try plain.update(x, step: k, degraded: y, using: &b) }
    let gradient = zip(corrected.values, uncorrected.values).map { ($1 - $0) / zeta }
    let tau = method.schedule.keptSteps(nfe: 5)[k - 1]
    func distance(_ z: Tensor) throws -> Double {
      try Autograd.withoutGradients {
        var draws = PhiloxRandom(seed: 0)
        let eps = try method.predictNoise(z, steps: [tau], using: &draws)
        let x0 = try method.schedule.predictedClean(z, noise: eps, step: tau)
        return Double(try (y - measurement.apply(x0)).square().sum().sqrt().item)
      }
    }
    for trial in 0..<3 {
      var directions = PhiloxRandom(seed: UInt64(20 + trial))
      let v = Tensor.normal(x.shape, using: &directions)
      let h: Float = 2e-3
      let numeric = (try distance(try x + v * h) - distance(try x - v * h)) / (2 * Double(h))
      let analytic = zip(gradient, v.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      XCTAssertEqual(analytic, numeric, accuracy: 2e-2 * max(1, abs(numeric)), "direction \(trial)")
    }
  }

  func testSolvesAreReproducibleFromTheSeed() throws {
    let method = try prior()
    var rng = PhiloxRandom(seed: 5)
    let clean = Tensor.uniform([1, 3, 8, 8], -1, 1, using: &rng)
    let measurement = try MeasurementOperator(.sr4, height: 8, width: 8, using: &rng)
    let y = try measurement.measure(clean, using: &rng)
    func solve(_ seed: UInt64) throws -> [Float] {
      var draws = PhiloxRandom(seed: seed)
      return try method.posteriorSampler(measurement, steps: 4, zeta: 0.3).sample(degraded: y, shape: [1, 3, 8, 8], using: &draws).values
    }
    XCTAssertEqual(try solve(1), try solve(1))
    XCTAssertNotEqual(try solve(1), try solve(2))
    XCTAssertThrowsError(try AdaptationFamily(.vanilla, settings: TestSettings(AdaptationFamily.adaptationKeys, ["model.restorer": .string("unet-tiny")]))
      .posteriorSampler(measurement, steps: 4, zeta: 0.3))
  }
}
