// BridgeCrossCheckTests: NoiseDA's I2SB (BridgeSchedule, ImageToImageBridge.bridgeLoss,
// BridgeSampler.step) against PyTorch computations of the formulas in the authors' code
// (NVlabs/I2SB: the schedule, q_sample, the label, the loss, p_posterior, space_indices, the
// centre mask), stored as committed fixtures in Tests/MethodsTests/Fixtures/. Needs no torch,
// so it runs (and can fail) on every machine. The fixtures are written by
//   ~/.venvs/torch/bin/python Tests/reference/make_i2sb_fixtures.py
// (run from the package root), with the network replaced by the PyTorch reference of NoiseDA's
// DiffusionUNet (Tests/reference/torch_diffusion.py) in the layout of the preset diffusion-tiny;
// the configs there and here must agree, which the test checks through each file's __metadata__.
import Foundation
import Layers
@testable import Methods
import Tensors
import XCTest

final class BridgeCrossCheckTests: XCTestCase {
  /// `format` and `version` of every fixture's `__metadata__`; bump the version here and in
  /// make_i2sb_fixtures.py when the fixtures' layout changes.
  private static let fixtureFormat = "noiseda-i2sb-fixture"
  private static let fixtureVersion = "1"
  private static let regenerate = "regenerate with: ~/.venvs/torch/bin/python Tests/reference/make_i2sb_fixtures.py"

  // Tolerances. Measured on these fixtures (x86-64 Linux, OpenBLAS, torch 2.13 CPU, one thread):
  // - the float64 schedule: σ_n, σ̄_n and the marginal's coefficients agree exactly, β_n to
  //   4.4e-16 relative (torch's float64 linspace and ours differ in the last bits), the
  //   posterior's coefficients (the authors' formula in float64) to 2.1e-16; 1e-13 relative
  //   catches any change of formula while allowing another libm's sqrt;
  private static let scheduleTolerance = 1e-13
  // - the authors' p_posterior computes its coefficients in float32 arithmetic from the float32
  //   σ table, with Δ² = σ_n² − σ_n'² cancelling when n' is close to n; we compute in float64
  //   and round once. The float32 result is off by about ε₃₂·κ with κ = σ_n²/Δ²: measured
  //   1.7e-4 relative for 999 → 998 (κ = 1410), 7.5e-5 for 600 → 599 (κ = 529), 8e-7 for
  //   999 → 899 (κ = 13), ≤ 1.4e-7 for the others (κ ≈ 1–2). The bound is 1e-6·κ relative
  //   (margin ≥ 7), far below any change of formula (which moves a coefficient by O(1));
  private static let posterior32ToleranceOverKappa = 1e-6
  // - the network's time input t_n = N·linspace(1e-4, 1, N)[n]: the authors' float32 linspace
  //   times N in float32 against our float64 formula rounded once differ at 336 of 1000 steps,
  //   by at most 2 ulp (6.1e-5 at t ≈ 1000; at n = 37 by 1 ulp, 3.8e-6);
  private static let timeInputULPs = 2
  // - the network on the authors' own x_n and t_n: max |NoiseDA − PyTorch| / max |PyTorch|
  //   1.3e-6 and 1.6e-6, more than the Layers cross-check's 2.8e-7 at γ ≤ 1 because the
  //   float32 sinusoidal features cos/sin(t·f_i) at t ≈ 812 turn a 1-ulp difference in f_i or
  //   in cosf into ~1e-5 (PyTorch's own float32 features differ from the exact ones by 1.4e-5,
  //   which alone moves its output by 4e-6, i.e. 2.7e-6 relative; ours err likewise, so two
  //   platforms may differ by up to about twice that, 5.4e-6); through method.predict with our
  //   t_n: 1.9e-6 (the 1-ulp t_37 above adds 2.5e-6 at sample 0 in PyTorch's terms). The
  //   losses: ≤ 1.3e-7 relative; the sampling steps: ≤ 5.6e-7 relative (the network output
  //   enters scaled by σ_n·c₀). 1e-5 relative is above that worst case, while a real mismatch
  //   (a coefficient, the label's σ, the time input's formula, the mask, noise added at n' = 0)
  //   is orders of magnitude larger: moving one stored output or loss by 1e-4 fails the test.
  private static let outputTolerance: Float = 1e-5
  private static let lossTolerance: Float = 1e-5

  // MARK: Fixture files

  private struct FixtureError: Error, CustomStringConvertible {
    let description: String
  }

  /// The metadata `config` written by make_i2sb_fixtures.py.
  private struct FixtureConfig: Decodable, Equatable {
    /// torch_diffusion.DiffusionUNet's arguments.
    struct Network: Decodable, Equatable {
      var in_channel: Int
      var out_channel: Int
      var inner_channel: Int
      var channel_mults: [Int]
      var res_blocks: Int
      var attn_res: [Int]
      var head_channels: Int
      var groups: Int
      var dropout: Double
      var middle_attention: Bool
    }
    var interval: Int
    var beta_max: Double
    var t0: Double
    var T: Double
    var network: Network
    var shape: [Int]
    var train_steps: [Int]
    var sample_from: Int
    var sample_to: Int
  }

  /// What this test builds: the i2sb method with the diffusion-tiny bridge, β_max 0.3.
  private static let betaMax = 0.3
  private static let expectedSteps = (train: [37, 812], from: 812, to: 37)

  /// Reads fixture `file` after checking its format, version and config against what this test
  /// builds (`method`'s network, β_max, the steps).
  private func fixture(_ file: String, for method: ImageToImageBridge) throws -> SafetensorsFile {
    let f = try SafetensorsFile(
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(file).path,
      fix: Self.regenerate)
    guard f.metadata["format"] == Self.fixtureFormat, f.metadata["version"] == Self.fixtureVersion else {
      throw FixtureError(
        description: "\(file): format \(f.metadata["format"] ?? "none") version \(f.metadata["version"] ?? "none"), "
          + "this test reads \(Self.fixtureFormat) version \(Self.fixtureVersion); \(Self.regenerate)")
    }
    let stored = try JSONDecoder().decode(FixtureConfig.self, from: Data((f.metadata["config"] ?? "").utf8))
    let c = method.network.config
    let expected = FixtureConfig(
      interval: method.schedule.steps, beta_max: Self.betaMax, t0: 1e-4, T: 1,
      network: .init(
        in_channel: c.inChannels, out_channel: c.outChannels, inner_channel: c.baseChannels,
        channel_mults: c.channelMultipliers, res_blocks: c.resBlocks, attn_res: c.attentionResolutions,
        head_channels: c.headChannels, groups: c.groups, dropout: Double(c.dropout), middle_attention: c.middleAttention),
      shape: stored.shape, train_steps: Self.expectedSteps.train, sample_from: Self.expectedSteps.from,
      sample_to: Self.expectedSteps.to)
    guard stored == expected else {
      throw FixtureError(description: "\(file): made for \(stored), this test builds \(expected); \(Self.regenerate)")
    }
    return f
  }

  /// The i2sb method with the diffusion-tiny bridge at β_max 0.3, its network loaded from the
  /// weight fixture strictly (every parameter present with its shape, no other tensor).
  private func loadedBridge() throws -> ImageToImageBridge {
    let method = try ImageToImageBridge(
      settings: TestSettings(
        ImageToImageBridge.configKeys, ["i2sb.network": .string("diffusion-tiny"), "i2sb.beta_max": .double(Self.betaMax)]))
    let file = "i2sb.weights.safetensors"
    let weights = try fixture(file, for: method)
    try ParameterStore(module: method.network).load(
      Dictionary(uniqueKeysWithValues: try weights.names.map { ($0, try weights.tensor($0)) }), strictlyFrom: file)
    return method
  }

  // MARK: Comparisons

  /// Fails unless `ours` has `theirs`' shape and max |ours − theirs| ≤ outputTolerance · max |theirs|.
  private func assertMatches(_ ours: Tensor, _ theirs: Tensor, _ what: String) {
    XCTAssertEqual(ours.shape, theirs.shape, what)
    guard ours.shape == theirs.shape else { return }
    var err: Float = 0, scale: Float = 0
    for i in 0..<theirs.count {
      err = max(err, abs(ours.data[i] - theirs.data[i]))
      scale = max(scale, abs(theirs.data[i]))
    }
    print("\(what): max |NoiseDA - PyTorch| = \(err), max |PyTorch| = \(scale), relative \(err / scale) (tolerance \(Self.outputTolerance))")
    XCTAssertLessThanOrEqual(err, Self.outputTolerance * scale, "\(what): max |NoiseDA - PyTorch| = \(err), max |PyTorch| = \(scale)")
  }

  private func assertLoss(_ ours: Tensor, _ theirs: Tensor, _ what: String) {
    let (a, b) = (ours.item, theirs.item)
    print("\(what): NoiseDA \(a), PyTorch \(b), relative \(abs(a - b) / abs(b)) (tolerance \(Self.lossTolerance))")
    XCTAssertLessThanOrEqual(abs(a - b), Self.lossTolerance * abs(b), "\(what): NoiseDA \(a), PyTorch \(b)")
  }

  /// Largest |ours − theirs| / max(|theirs|, tiny) over the pairs, and where.
  private func worst(_ pairs: [(Double, Double)]) -> (relative: Double, index: Int) {
    var result = (relative: 0.0, index: 0)
    for (i, (a, b)) in pairs.enumerated() {
      let r = abs(a - b) / max(abs(b), .leastNormalMagnitude)
      if r > result.relative { result = (r, i) }
    }
    return result
  }

  // MARK: Tests

  /// σ_n, σ̄_n, β_n and the marginal q(x_n | x₀, x₁) at every step, the posterior at some step
  /// pairs (float64, and against the float32 values the authors' p_posterior uses), the network's
  /// time input, and the sampler's step lists.
  func testScheduleMatchesTheAuthors() throws {
    let method = try ImageToImageBridge(
      settings: TestSettings(
        ImageToImageBridge.configKeys, ["i2sb.network": .string("diffusion-tiny"), "i2sb.beta_max": .double(Self.betaMax)]))
    let s = method.schedule
    let f = try fixture("i2sb.schedule.safetensors", for: method)
    let tables: [(String, (Int) -> Double)] = [
      ("betas", { s.betas[$0] }), ("std_fwd", { s.sigmaForward[$0] }), ("std_bwd", { s.sigmaBackward[$0] }),
      ("mu_x0", { s.marginal($0).x0 }), ("mu_x1", { s.marginal($0).x1 }), ("std_sb", { s.marginal($0).std }),
    ]
    for (key, ours) in tables {
      let theirs = (values: try f.doubles(key), shape: f.entries[key]?.shape ?? [])
      XCTAssertEqual(theirs.shape, [s.steps], key)
      guard theirs.shape == [s.steps] else { continue }
      let w = worst((0..<s.steps).map { (ours($0), theirs.values[$0]) })
      print("schedule \(key): max relative difference \(w.relative) at n = \(w.index) (tolerance \(Self.scheduleTolerance))")
      XCTAssertLessThanOrEqual(w.relative, Self.scheduleTolerance, "\(key) at n = \(w.index)")
    }

    let pairs = (values: try f.ints("posterior.pairs"), shape: f.entries["posterior.pairs"]?.shape ?? [])
    let exact = (values: try f.doubles("posterior.f64"), shape: f.entries["posterior.f64"]?.shape ?? [])
    let single = try f.tensor("posterior.f32")
    let count = pairs.values.count / 2
    XCTAssertEqual(pairs.shape, [count, 2])
    XCTAssertEqual(exact.shape, [count, 3])
    XCTAssertEqual(single.shape, [count, 3])
    XCTAssertGreaterThan(count, 0)
    var ours: [Double] = []
    for i in 0..<count {
      let (n, previous) = (pairs.values[2 * i], pairs.values[2 * i + 1])
      let p = s.posterior(from: n, to: previous)
      ours += [p.x0, p.xn, p.std]
    }
    let w64 = worst(zip(ours, exact.values).map { ($0, $1) })
    print("posterior (float64): max relative difference \(w64.relative) (tolerance \(Self.scheduleTolerance))")
    XCTAssertLessThanOrEqual(w64.relative, Self.scheduleTolerance, "posterior at pair \(w64.index / 3), value \(w64.index % 3)")
    var worst32 = (relative: 0.0, bound: 0.0, index: 0)
    for (i, (a, b)) in zip(ours, single.values).enumerated() {
      let (n, previous) = (pairs.values[2 * (i / 3)], pairs.values[2 * (i / 3) + 1])
      let sn = s.sigmaForward[n] * s.sigmaForward[n], kappa = sn / (sn - s.sigmaForward[previous] * s.sigmaForward[previous])
      let relative = abs(Double(Float(a)) - Double(b)) / max(abs(Double(b)), .leastNormalMagnitude)
      let bound = Self.posterior32ToleranceOverKappa * kappa
      if relative / bound > worst32.relative / max(worst32.bound, .leastNormalMagnitude) { worst32 = (relative, bound, i) }
      XCTAssertLessThanOrEqual(relative, bound, "posterior \(n) → \(previous), value \(i % 3): NoiseDA \(a), authors' float32 \(b)")
    }
    print("posterior (authors' float32): nearest to its bound \(worst32.relative) relative at value \(worst32.index) (bound \(worst32.bound))")

    let t = try f.tensor("time_input")
    XCTAssertEqual(t.shape, [s.steps])
    var maxULPs = 0, differing = 0
    for n in 0..<min(t.count, s.steps) {
      let (a, b) = (s.timeInput(n), t.data[n])
      let ulps = abs(Int(Int32(bitPattern: a.bitPattern)) - Int(Int32(bitPattern: b.bitPattern)))
      maxULPs = max(maxULPs, ulps)
      if ulps > 0 { differing += 1 }
      XCTAssertLessThanOrEqual(ulps, Self.timeInputULPs, "t_\(n): NoiseDA \(a), authors \(b)")
    }
    print("time input: \(differing) of \(s.steps) steps differ, by at most \(maxULPs) ulp (tolerance \(Self.timeInputULPs))")

    let lists = f.entries.keys.filter { $0.hasPrefix("indices.nfe") }.sorted()
    XCTAssertFalse(lists.isEmpty)
    for key in lists {
      let nfe = try XCTUnwrap(Int(key.dropFirst("indices.nfe".count)))
      XCTAssertEqual(s.stepIndices(nfe: nfe), try f.ints(key), key)
    }
  }

  /// The bridge network alone on the authors' x_n, first with their time inputs t_n (the network
  /// itself), then through method.predict with ours: separates the network's and the time
  /// input's errors from the loss's.
  func testNetworkPredictionMatchesPyTorch() throws {
    let method = try loadedBridge()
    let io = try fixture("i2sb.io.safetensors", for: method)
    let t = try fixture("i2sb.schedule.safetensors", for: method).tensor("time_input")
    let steps = try io.ints("train.steps")
    XCTAssertEqual(steps, Self.expectedSteps.train)
    var rng = PhiloxRandom(seed: 1)  // dropout 0: draws nothing
    for tag in ["train", "train_ot"] {
      let x = try io.tensor("\(tag).xn"), expected = try io.tensor("\(tag).prediction")
      let own = try Autograd.withoutGradients { try method.network(x, gammas: steps.map { t.data[$0] }, using: &rng) }
      assertMatches(own, expected, "\(tag) network at the authors' t_n")
      let y = try Autograd.withoutGradients { try method.predict(x, steps: steps, x1: try io.tensor("x1"), using: &rng) }
      assertMatches(y, expected, "\(tag) prediction")
    }
  }

  /// bridgeLoss with the authors' x₀, x₁, steps and bridge noise (nil: OT-ODE), plain and with
  /// the centre mask, against their MSE of net(x_n, t_n) and (x_n − x₀)/σ_n.
  func testTrainingLossMatchesTheAuthors() throws {
    let method = try loadedBridge()
    let io = try fixture("i2sb.io.safetensors", for: method)
    let x0 = try io.tensor("x0"), x1 = try io.tensor("x1"), noise = try io.tensor("train.noise")
    let steps = try io.ints("train.steps")
    XCTAssertEqual(steps, Self.expectedSteps.train)
    let mask = ImageToImageBridge.centerMask(like: x0)
    let theirMask = try io.tensor("mask")
    XCTAssertEqual(mask.shape, theirMask.shape)
    XCTAssertEqual(mask.values, theirMask.values, "centre mask")
    var rng = PhiloxRandom(seed: 1)
    for (tag, eps) in [("train", noise as Tensor?), ("train_ot", nil)] {
      for (suffix, m) in [("loss", nil as Tensor?), ("loss_masked", mask)] {
        let loss = try Autograd.withoutGradients {
          try method.bridgeLoss(x0: x0, x1: x1, steps: steps, noise: eps, mask: m, using: &rng)
        }
        assertLoss(loss, try io.tensor("\(tag).\(suffix)"), "\(tag).\(suffix)")
      }
    }
  }

  /// BridgeSampler.step from the authors' x at n = 812 to 37 with their posterior noise and
  /// without (OT-ODE), then from their x_37 to 0, where no noise is added even when given.
  func testSamplingStepMatchesTheAuthors() throws {
    let method = try loadedBridge()
    let io = try fixture("i2sb.io.safetensors", for: method)
    let x1 = try io.tensor("x1"), x = try io.tensor("sample.x")
    let (n, previous) = (Self.expectedSteps.from, Self.expectedSteps.to)
    var rng = PhiloxRandom(seed: 1)
    let sampler = BridgeSampler(method: method, nfe: 2, otODE: false)
    let next = try Autograd.withoutGradients {
      try sampler.step(x, from: n, to: previous, x1: x1, noise: try io.tensor("sample.noise"), using: &rng)
    }
    assertMatches(next, try io.tensor("sample.next"), "step \(n) → \(previous)")
    let ode = BridgeSampler(method: method, nfe: 2, otODE: true)
    let nextODE = try Autograd.withoutGradients { try ode.step(x, from: n, to: previous, x1: x1, noise: nil, using: &rng) }
    assertMatches(nextODE, try io.tensor("sample.next_ot"), "OT-ODE step \(n) → \(previous)")
    let last = try Autograd.withoutGradients {
      try sampler.step(
        try io.tensor("sample.next"), from: previous, to: 0, x1: x1, noise: try io.tensor("sample.last_noise"), using: &rng)
    }
    assertMatches(last, try io.tensor("sample.last"), "step \(previous) → 0")
  }
}
