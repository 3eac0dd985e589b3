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
    // mblur: a normalised kernel with a spread-out path, the same for a seed, another for another seed.
    func motion(_ seed: UInt64) -> [Float] {
      var draws = PhiloxRandom(seed: seed)
      return MotionBlurKernel.make(size: 61, intensity: 0.5, using: &draws)
    }
    XCTAssertEqual(Double(motion(1).reduce(0, +)), 1, accuracy: 1e-5)
    XCTAssertEqual(motion(1), motion(1))
    XCTAssertNotEqual(motion(1), motion(2))
    XCTAssertGreaterThan(motion(1).filter { $0 > 0 }.count, 30, "the path covers too few taps")
    XCTAssertLessThan(motion(1).max()!, 0.2)
    let shaken = try MeasurementOperator(.mblur, height: 32, width: 32, using: &rng)
    XCTAssert(try shaken.apply(flat).values.allSatisfy { abs($0 - 0.25) < 1e-5 }, "the motion kernel is not normalised")
    XCTAssertThrowsError(try MeasurementOperator(.mblur, height: 24, width: 32, using: &rng))
  }

  /// EquiReg: with the penalty firing at every step, a DPS step moves x by −ζ·α·∇ₓE(x̂₀(x)) more
  /// than plain DPS from the same state and draws (the gradient through the prior and f).
  func testEquiRegAddsTheGradientOfThePenaltyOnTheEstimate() throws {
    let method = try prior(scale: 0.2)
    var rng = PhiloxRandom(seed: 6)
    let x = Tensor.normal([2, 3, 8, 8], using: &rng) * 0.5
    let y = Tensor.normal([2, 3, 2, 2], using: &rng)
    let measurement = try MeasurementOperator(.sr4, height: 8, width: 8, using: &rng)
    let weight = Tensor.uniform([3, 3, 1, 1], -1, 1, using: &rng)
    let f = { (z: Tensor) in try conv2d(z, weight: weight, bias: nil, padding: 0).tanh() * Tensor(shape: [1, 1, 1, 8], values: (0..<8).map(Float.init)) }
    let penalty = EquivariancePenalty(group: .hflip, alpha: 0.3, frequency: 1, function: f)
    let (zeta, k): (Float, Int) = (0.4, 1)
    func step(_ penalty: EquivariancePenalty?, at k: Int) throws -> (values: [Float], next: Float) {
      var draws = PhiloxRandom(seed: 8)
      let leaf = x.detached()
      leaf.requiresGrad = true
      let values = try method.posteriorSampler(measurement, steps: 5, zeta: zeta, penalty: penalty).update(leaf, step: k, degraded: y, using: &draws).values
      return (values, draws.uniform())
    }
    let difference = zip(try step(penalty, at: k).values, try step(nil, at: k).values).map { $0 - $1 }
    // The penalty draws nothing from the sampler's stream: a step with it leaves the sampler's
    // draws where plain DPS leaves them (at every step, noise included), so the two solve paired.
    for j in 1...5 { XCTAssertEqual(try step(penalty, at: j).next, try step(nil, at: j).next, "step \(j)") }
    let leaf = x.detached()
    leaf.requiresGrad = true
    let tau = method.schedule.keptSteps(nfe: 5)[k - 1]
    var draws = PhiloxRandom(seed: 8)
    let x0 = try method.schedule.predictedClean(leaf, noise: try method.predictNoise(leaf, steps: [tau, tau], using: &draws), step: tau)
    try (penalty.error(x0, element: 1) * penalty.alpha).backward()
    let expected = leaf.grad!.values.map { -zeta * $0 }
    XCTAssertGreaterThan(expected.map(abs).max()!, 1e-4, "the penalty's gradient vanished: the test checks nothing")
    for (got, want) in zip(difference, expected) { XCTAssertEqual(got, want, accuracy: 1e-4) }
  }

  /// ζ = 0: one DPS step is the prior's plain ancestral step from the same state and draws.
  func testAZeroStepSizeIsThePlainDDPMStep() throws {
    let method = try prior()
    var rng = PhiloxRandom(seed: 2)
    let x = Tensor.normal([1, 3, 8, 8], using: &rng)
    let y = Tensor.normal([1, 3, 2, 2], using: &rng)
    let measurement = try MeasurementOperator(.sr4, height: 8, width: 8, using: &rng)
    let dps = try method.posteriorSampler(measurement, steps: 5, zeta: 0, penalty: nil)
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
    let dps = try method.posteriorSampler(measurement, steps: 5, zeta: zeta, penalty: nil)
    let plain = try method.posteriorSampler(measurement, steps: 5, zeta: 0, penalty: nil)
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
      return try method.posteriorSampler(measurement, steps: 4, zeta: 0.3, penalty: nil).sample(degraded: y, shape: [1, 3, 8, 8], using: &draws).values
    }
    XCTAssertEqual(try solve(1), try solve(1))
    XCTAssertNotEqual(try solve(1), try solve(2))
    XCTAssertThrowsError(try AdaptationFamily(.vanilla, settings: TestSettings(AdaptationFamily.adaptationKeys, ["model.restorer": .string("unet-tiny")]))
      .posteriorSampler(measurement, steps: 4, zeta: 0.3, penalty: nil))
  }
}
