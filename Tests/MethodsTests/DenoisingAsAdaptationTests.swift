// DenoisingAsAdaptationTests: the DA step's loss and gradients against independent arithmetic
// and finite differences, the slot swap's gradient routing, and its input errors.
@testable import Methods
import Tensors
import XCTest

final class DenoisingAsAdaptationTests: XCTestCase {
  func batch(_ n: Int = 3, seed: UInt64 = 1, clean: Bool = false) -> TrainingBatch {
    var rng = PhiloxRandom(seed: seed)
    return TrainingBatch(
      syntheticInput: .uniform([n, 3, 5, 4], using: &rng), syntheticTarget: .uniform([n, 3, 5, 4], using: &rng),
      realInput: .uniform([n, 3, 5, 4], using: &rng), clean: clean ? .uniform([n, 3, 5, 4], using: &rng) : nil)
  }

  func testChannelShuffleSwapsWholeImagesAndRoutesGradients() throws {
    var rng = PhiloxRandom(seed: 2)
    let first = Tensor.uniform([4, 3, 2, 2], using: &rng), second = Tensor.uniform([4, 3, 2, 2], using: &rng)
    first.requiresGrad = true
    second.requiresGrad = true
    let shuffle = ChannelShuffle(swapped: [false, true, true, false])
    let (a, b) = try shuffle.apply(first, second)
    try (a + b * 3).sum().backward()
    for i in 0..<4 {
      let s = shuffle.swapped[i]
      for j in 0..<12 {
        let k = i * 12 + j
        XCTAssertEqual(a.data[k], (s ? second : first).data[k])
        XCTAssertEqual(b.data[k], (s ? first : second).data[k])
        XCTAssertEqual(first.grad!.data[k], s ? 3 : 1)
        XCTAssertEqual(second.grad!.data[k], s ? 1 : 3)
      }
    }
  }

  func testZeroLambdaIsTheVanillaLossAndLeavesTheDiffusionNetUntouched() throws {
    let g = TinyRestorer(seed: 3), eps = TinyNoisePredictor(seed: 4)
    let da = try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: AdaptationOptions())
    [eps.w, eps.c].forEach { $0.requiresGrad = true }
    var rng = PhiloxRandom(seed: 5)
    let losses = try da.losses(for: batch(), lambda: 0, using: &rng)
    var rng2 = PhiloxRandom(seed: 5)
    let vanilla = try VanillaRestoration(restorer: g).losses(for: batch(), lambda: 0, using: &rng2)
    XCTAssertEqual(losses.total.item, vanilla.total.item, accuracy: 1e-6)
    try losses.total.backward()
    XCTAssert((eps.w.grad?.values ?? [0]).allSatisfy { $0 == 0 })
  }

  func testLossCombinesTheTermsAsEquation4() throws {
    var options = AdaptationOptions()
    options.margin = 5  // large δ: the hinge is active and equals d_pos − d_neg + δ
    let da = try DenoisingAsAdaptation(restorer: TinyRestorer(seed: 3), noisePredictor: TinyNoisePredictor(seed: 4), options: options)
    var rng = PhiloxRandom(seed: 6)
    let s = try da.losses(for: batch(), lambda: 0.3, using: &rng).scalars
    let dif = (s["d_pos"]! + (s["d_pos"]! - s["d_neg"]! + 5)) / 2
    XCTAssertEqual(s["loss_dif"]!, dif, accuracy: 1e-5)
    XCTAssertEqual(s["loss"]!, s["loss_res"]! + 0.3 * dif, accuracy: 1e-5)
    XCTAssertEqual(s["hinge_active"], 1)
    XCTAssertNotEqual(s["d_pos"]!, s["d_neg"]!)
  }

  /// The whole step (2B restorer pass, shuffles, 2B diffusion pass, hinge) differentiated by
  /// autograd equals central differences for the parameters of both networks. The RNG is reset
  /// per evaluation so every evaluation draws the same γ, ε and swaps.
  func testGradientsOfBothNetworksMatchFiniteDifferences() throws {
    for unpaired in [false, true] {
      var options = AdaptationOptions()
      options.unpaired = unpaired
      options.margin = 2
      let g = TinyRestorer(seed: 7), eps = TinyNoisePredictor(seed: 8)
      let da = try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: options)
      let b = batch(clean: unpaired)
      let params = [g.a, g.b, eps.w, eps.c]
      func loss() throws -> Float {
        var rng = PhiloxRandom(seed: 9)
        return try da.losses(for: b, lambda: 0.7, using: &rng).total.item
      }
      params.forEach { $0.requiresGrad = true; $0.grad = nil }
      var rng = PhiloxRandom(seed: 9)
      try da.losses(for: b, lambda: 0.7, using: &rng).total.backward()
      for p in params {
        for i in 0..<p.count {
          let old = p.data[i], h: Float = 1e-2
          p.data[i] = old + h
          let up = try Autograd.withoutGradients { try loss() }
          p.data[i] = old - h
          let down = try Autograd.withoutGradients { try loss() }
          p.data[i] = old
          let numeric = (up - down) / (2 * h)
          XCTAssertEqual(p.grad!.data[i], numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "unpaired \(unpaired) param \(i)")
        }
      }
    }
  }

  func testChannelShuffleOrderVariesAcrossSamplesWhenOn() {
    var rng = PhiloxRandom(seed: 12)
    let on = ChannelShuffle(batch: 16, enabled: true, using: &rng).swapped
    XCTAssert(on.contains(true) && on.contains(false), "\(on)")
    XCTAssertEqual(ChannelShuffle(batch: 16, enabled: false, using: &rng).swapped, [Bool](repeating: false, count: 16))
  }

  /// Without shuffling, the diffusion net's input is [ỹ, ŷ_s, ŷ_r] for the positive half and
  /// [ỹ, x_s + R_r, x_r + R_s] for the negative half.
  func testResidualSwapBuildsTheCrossedConditions() throws {
    var options = AdaptationOptions()
    options.channelShuffle = false
    let g = TinyRestorer(seed: 13), eps = RecordingNoisePredictor(TinyNoisePredictor(seed: 14))
    let b = batch(2)
    var rng = PhiloxRandom(seed: 15)
    _ = try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: options).losses(for: b, lambda: 0.1, using: &rng)
    let input = try XCTUnwrap(eps.lastInput)
    XCTAssertEqual(input.shape, [4, 9, 5, 4])
    let xs = b.syntheticInput!, xr = b.realInput!
    let rs = try g.residual(xs), rr = try g.residual(xr)
    let expected: [(Int, Range<Int>, Tensor)] = [
      (0, 3..<6, try xs + rs), (0, 6..<9, try xr + rr),  // positive: ŷ_s, ŷ_r
      (2, 3..<6, try xs + rr), (2, 6..<9, try xr + rs),  // negative: x_s + R_r, x_r + R_s
    ]
    for (first, channels, want) in expected {
      let got = try input.slice(axis: 0, range: first..<first + 2).slice(axis: 1, range: channels)
      XCTAssertEqual(got.values, want.values, "samples \(first)…, channels \(channels)")
    }
  }

  /// The hinge max(d_pos − d_neg + δ, 0): zero (no gradient) when d_neg ≥ d_pos + δ.
  func testHingeIsZeroWhenNegativesAreFarEnough() throws {
    var options = AdaptationOptions()
    options.margin = -1000
    let da = try DenoisingAsAdaptation(restorer: TinyRestorer(seed: 3), noisePredictor: TinyNoisePredictor(seed: 4), options: options)
    var rng = PhiloxRandom(seed: 6)
    let s = try da.losses(for: batch(), lambda: 0.3, using: &rng).scalars
    XCTAssertEqual(s["hinge_active"], 0)
    XCTAssertEqual(s["loss_dif"]!, s["d_pos"]! / 2, accuracy: 1e-6)
  }

  func testDiagnosticsSeparateTheLossesAndProbeTheRealSlot() throws {
    let g = TinyRestorer(seed: 21), eps = TinyNoisePredictor(seed: 22)
    let da = try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: AdaptationOptions())
    let rng = PhiloxRandom(seed: 23)
    let off = try da.diagnostics(for: batch(), lambda: 0, using: rng)
    XCTAssertEqual(off["grad_dif"], 0)
    XCTAssertGreaterThan(off["grad_res"]!, 0)
    XCTAssertGreaterThan(off["real_slot_change"]!, 0)
    let on = try da.diagnostics(for: batch(), lambda: 0.5, using: rng)
    XCTAssertGreaterThan(on["grad_dif"]!, 0)
    XCTAssertEqual(on["grad_res"]!, off["grad_res"]!, accuracy: 1e-9)
    // When only the synthetic condition is fed, the real image never reaches ε_θ.
    var options = AdaptationOptions()
    options.conditions = .synthetic
    let synthetic = try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: options)
    XCTAssertEqual(try synthetic.diagnostics(for: batch(), lambda: 0.5, using: rng)["real_slot_change"], 0)
  }

  func testMissingDomainsAndBadRangesAreErrors() throws {
    let g = TinyRestorer(seed: 1), eps = TinyNoisePredictor(seed: 1)
    var options = AdaptationOptions()
    options.unpaired = true
    var rng = PhiloxRandom(seed: 1)
    let unpaired = try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: options)
    XCTAssertThrowsError(try unpaired.losses(for: batch(), lambda: 0.1, using: &rng)) {
      XCTAssert("\($0)".contains("data.clean"))
    }
    var noReal = batch()
    noReal.realInput = nil
    XCTAssertThrowsError(try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: AdaptationOptions())
      .losses(for: noReal, lambda: 0.1, using: &rng)) { XCTAssert("\($0)".contains("data.real")) }
    options.stepRange = 0...999
    XCTAssertThrowsError(try DenoisingAsAdaptation(restorer: g, noisePredictor: eps, options: options))
  }
}
