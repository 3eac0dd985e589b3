// CUT's networks: exact parameter counts of the four presets (cut-paper against the official
// resnet_9blocks), state-dict names, the anti-aliasing filters against their closed forms and
// the official crop, generator output range, feature channels and sizes at CUT's layers (and the
// encode-only early stop), discriminator logit-map sizes, Xavier initialisation, and a
// finite-difference check of gradients through a tiny generator.
import Layers
import Tensors
import XCTest

final class CUTNetworkTests: XCTestCase {
  /// A built network of preset `name`, initialised as CUT does.
  private func make(_ name: String, seed: UInt64 = 1) throws -> Module {
    let module = try ModelPresets.spec(named: name).build()
    var rng = PhiloxRandom(seed: seed)
    ParameterStore(module: module).initialize(using: &rng)
    return module
  }

  private func random(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = PhiloxRandom(seed: seed)
    return Tensor.uniform(shape, -1, 1, using: &rng)
  }

  func testPresetParameterCounts() throws {
    // resnet_9blocks, ngf 64 (official ResnetGenerator, 11.38 M in the ODCR table):
    // conv 7×7 3→64: 9,472; conv 3×3 64→128: 73,856; 128→256: 295,168;
    // 9 ResnetBlocks × 2 × (256·256·9 + 256): 10,621,440; up convs 256→128: 295,040,
    // 128→64: 73,792; conv 7×7 64→3: 9,411. Total 11,378,179.
    XCTAssertEqual(try ModelPresets.spec(named: "cut-paper").build().parameterCount, 11_378_179)
    // ngf 16, 3 blocks: 2,368 + 4,640 + 18,496 + 3 × 73,856 + 18,464 + 4,624 + 2,355.
    XCTAssertEqual(try ModelPresets.spec(named: "cut-cpu").build().parameterCount, 272_515)
    // Basic PatchGAN, ndf 64: 3,136 + 131,200 + 524,544 + 2,097,664 + 8,193.
    XCTAssertEqual(try ModelPresets.spec(named: "patchgan-paper").build().parameterCount, 2_764_737)
    // ndf 16, n_layers 2 (last conv to 4·ndf): 784 + 8,224 + 32,832 + 1,025.
    XCTAssertEqual(try ModelPresets.spec(named: "patchgan-cpu").build().parameterCount, 42_865)
  }

  func testNamesMatchTheOfficialStateDicts() throws {
    let generator = try XCTUnwrap(try ModelPresets.spec(named: "cut-paper").build() as? ResnetGenerator)
    XCTAssertEqual(generator.layerCount, 32)
    let g = Dictionary(uniqueKeysWithValues: generator.namedParameters().map { ($0.0, $0.1.shape) })
    XCTAssertEqual(g.count, 2 * (3 + 2 * 9 + 3))
    XCTAssertEqual(Array(generator.namedParameters().prefix(3).map(\.0)), ["model.1.weight", "model.1.bias", "model.4.weight"])
    XCTAssertEqual(g["model.1.weight"], [64, 3, 7, 7])
    XCTAssertEqual(g["model.4.weight"], [128, 64, 3, 3])
    XCTAssertEqual(g["model.8.weight"], [256, 128, 3, 3])
    XCTAssertEqual(g["model.12.conv_block.1.weight"], [256, 256, 3, 3])
    XCTAssertEqual(g["model.20.conv_block.5.bias"], [256])
    XCTAssertEqual(g["model.22.weight"], [128, 256, 3, 3])
    XCTAssertEqual(g["model.26.weight"], [64, 128, 3, 3])
    XCTAssertEqual(g["model.30.weight"], [3, 64, 7, 7])
    XCTAssertEqual(g["model.30.bias"], [3])

    let discriminator = try ModelPresets.spec(named: "patchgan-paper").build()
    let d = Dictionary(uniqueKeysWithValues: discriminator.namedParameters().map { ($0.0, $0.1.shape) })
    XCTAssertEqual(
      d, [
        "model.0.weight": [64, 3, 4, 4], "model.0.bias": [64], "model.3.weight": [128, 64, 4, 4], "model.3.bias": [128],
        "model.7.weight": [256, 128, 4, 4], "model.7.bias": [256], "model.11.weight": [512, 256, 4, 4],
        "model.11.bias": [512], "model.14.weight": [1, 512, 4, 4], "model.14.bias": [1],
      ])
  }

  func testDownsampleIsTheNormalisedBinomialWithStride2() throws {
    let down = AntiAliasedDownsample(channels: 2)
    let taps: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }
    XCTAssertEqual(down.filter.shape, [2, 1, 3, 3])
    XCTAssertEqual(down.filter.values, taps + taps)
    XCTAssertTrue(down.ownParameters.isEmpty)
    // Sizes: ⌈H/2⌉ × ⌈W/2⌉.
    XCTAssertEqual(try down(Tensor.zeros([1, 2, 8, 8])).shape, [1, 2, 4, 4])
    XCTAssertEqual(try down(Tensor.zeros([1, 2, 7, 9])).shape, [1, 2, 4, 5])
    // A constant image stays constant, borders included (reflect padding).
    for v in try down(Tensor(shape: [1, 2, 8, 8], repeating: 0.7)).values { XCTAssertEqual(v, 0.7, accuracy: 1e-6) }
    // An impulse at (r, c) reaches output (i, j) with tap (r − 2i + 1, c − 2j + 1) of the
    // 3×3 filter: the padded window of output i starts at input row 2i − 1.
    let (r, c) = (3, 4)
    var impulse = [Float](repeating: 0, count: 64)
    impulse[r * 8 + c] = 1
    let y = try AntiAliasedDownsample(channels: 1)(try Tensor(shape: [1, 1, 8, 8], values: impulse))
    for i in 0..<4 {
      for j in 0..<4 {
        let (a, b) = (r - 2 * i + 1, c - 2 * j + 1)
        let expected = (0..<3).contains(a) && (0..<3).contains(b) ? taps[a * 3 + b] : 0
        XCTAssertEqual(y.values[i * 4 + j], expected, "output (\(i), \(j))")
      }
    }
  }

  func testUpsampleDoublesWithTheScaledBinomial() throws {
    let up = AntiAliasedUpsample(channels: 1)
    XCTAssertEqual(up.filter.shape, [1, 1, 4, 4])
    let oneD: [Float] = [1, 3, 3, 1]
    XCTAssertEqual(up.filter.values, oneD.flatMap { a in oneD.map { b in 4 * a * b / 64 } })
    // An interior impulse at (r, c) spreads to rows 2r − 1 … 2r + 2 and columns 2c − 1 … 2c + 2
    // with weights [1, 3, 3, 1] / 4 per axis (centred between output pixels 2r and 2r + 1).
    let (r, c) = (2, 3)
    var impulse = [Float](repeating: 0, count: 36)
    impulse[r * 6 + c] = 1
    let y = try up(try Tensor(shape: [1, 1, 6, 6], values: impulse))
    XCTAssertEqual(y.shape, [1, 1, 12, 12])
    let w: [Float] = [0.25, 0.75, 0.75, 0.25]
    for i in 0..<12 {
      for j in 0..<12 {
        let (a, b) = (i - (2 * r - 1), j - (2 * c - 1))
        let expected = (0..<4).contains(a) && (0..<4).contains(b) ? w[a] * w[b] : 0
        XCTAssertEqual(y.values[i * 12 + j], expected, "output (\(i), \(j))")
      }
    }
    // A constant image stays constant everywhere (replicate padding); sizes are exactly 2×.
    let constant = try AntiAliasedUpsample(channels: 3)(Tensor(shape: [2, 3, 5, 7], repeating: -0.3))
    XCTAssertEqual(constant.shape, [2, 3, 10, 14])
    for v in constant.values { XCTAssertEqual(v, -0.3, accuracy: 1e-6) }
  }

  func testUpsampleEqualsTheOfficialPaddingAndCrop() throws {
    // CUT: conv_transpose2d(pad(x), filt, stride 2, padding 2)[:, :, 1:, 1:][:, :, :-1, :-1].
    let up = AntiAliasedUpsample(channels: 3)
    let x = random([2, 3, 5, 6], seed: 3)
    let official = try convTranspose2d(
      try x.padded(top: 1, bottom: 1, left: 1, right: 1, mode: .replicate), weight: up.filter, bias: nil, stride: 2,
      padding: 2, groups: 3)
    XCTAssertEqual(official.shape, [2, 3, 12, 14])
    let cropped = try official.slice(axis: 2, range: 1..<11).slice(axis: 3, range: 1..<13)
    let y = try up(x)
    XCTAssertEqual(y.shape, cropped.shape)
    for (a, b) in zip(y.values, cropped.values) { XCTAssertEqual(a, b, accuracy: 1e-6) }
  }

  func testGeneratorKeepsTheSizeAndGivesCUTsFeatures() throws {
    let generator = try XCTUnwrap(try make("cut-paper") as? ResnetGenerator)
    let x = random([1, 3, 64, 64], seed: 4)
    let layers = [0, 4, 8, 12, 16]
    XCTAssertEqual(try generator.featureChannels(at: layers), [3, 128, 256, 256, 256])
    // §6.2's layers for cut-cpu: input, the two down-stage convs, the first and last of 3 blocks.
    let cpu = try XCTUnwrap(try ModelPresets.spec(named: "cut-cpu").build() as? ResnetGenerator)
    XCTAssertEqual(try cpu.featureChannels(at: [0, 4, 8, 12, 14]), [3, 32, 64, 64, 64])
    let (y, features, trace) = try Autograd.withoutGradients {
      let y = try generator(x)
      var features: [Tensor] = []
      let trace = try ForwardTrace.run { features = try generator.features(x, layers: layers) }
      return (y, features, trace)
    }
    XCTAssertEqual(y.shape, [1, 3, 64, 64])
    XCTAssertTrue(y.values.allSatisfy { $0 >= -1 && $0 <= 1 })
    XCTAssertEqual(features.map(\.shape), [[1, 3, 70, 70], [1, 128, 64, 64], [1, 256, 32, 32], [1, 256, 16, 16], [1, 256, 16, 16]])
    // Layer 0 is the reflect-padded input.
    XCTAssertEqual(features[0].values, try x.padded(top: 3, bottom: 3, left: 3, right: 3, mode: .reflect).values)
    // Encode only: nothing after layer 16 ran (layer 17's convs are absent from the trace).
    let ran = Set(trace.records.map(\.layer))
    let block16 = try XCTUnwrap(generator.model.layers[16] as? ResnetBlock)
    let block17 = try XCTUnwrap(generator.model.layers[17] as? ResnetBlock)
    XCTAssertTrue(ran.contains(ObjectIdentifier(block16.convBlock.layers[5])))
    XCTAssertFalse(ran.contains(ObjectIdentifier(block17.convBlock.layers[1])))
    // A feature does not depend on the other layers asked for.
    let alone = try Autograd.withoutGradients { try generator.features(x, layers: [8])[0] }
    XCTAssertEqual(alone.values, features[2].values)
  }

  func testTinyGeneratorLayersAndRefusals() throws {
    let generator = ResnetGenerator(GeneratorConfig(baseChannels: 4, resnetBlocks: 1))
    XCTAssertEqual(generator.layerCount, 4 + 4 * 2 + 1 + 4 * 2 + 3)
    XCTAssertEqual(try generator.featureChannels(at: [0, 4, 8, 12, 13, 23]), [3, 8, 16, 16, 16, 3])
    // The last layer's output is G(x).
    let x = random([2, 3, 16, 16], seed: 13)
    let (y, last) = try Autograd.withoutGradients { (try generator(x), try generator.features(x, layers: [23])[0]) }
    XCTAssertEqual(last.values, y.values)
    XCTAssertThrowsError(try generator.featureChannels(at: [4, 24])) { XCTAssertTrue("\($0)".contains("0..<24"), "\($0)") }
    XCTAssertThrowsError(try generator(Tensor.zeros([1, 3, 18, 16]))) { XCTAssertTrue("\($0)".contains("multiples of 4"), "\($0)") }
    XCTAssertThrowsError(try generator.features(Tensor.zeros([1, 1, 16, 16]), layers: [0]))
  }

  func testDiscriminatorLogitMapSizes() throws {
    // ⌊H / 2^n_layers⌋ − 2 per side; n_layers 3 gives the 70×70 PatchGAN's 30×30 map at 256.
    let paper = try XCTUnwrap(try make("patchgan-paper") as? PatchDiscriminator)
    let cpu = try XCTUnwrap(try make("patchgan-cpu") as? PatchDiscriminator)
    // The same geometry as patchgan-paper at a fraction of its cost.
    let narrowPaper = PatchDiscriminator(DiscriminatorConfig(baseChannels: 4, layers: 3))
    try Autograd.withoutGradients {
      XCTAssertEqual(try paper(random([1, 3, 64, 64], seed: 5)).shape, [1, 1, 6, 6])
      XCTAssertEqual(try narrowPaper(random([1, 3, 256, 256], seed: 6)).shape, [1, 1, 30, 30])
      XCTAssertEqual(try cpu(random([2, 3, 64, 64], seed: 7)).shape, [2, 1, 14, 14])
      XCTAssertEqual(try cpu(random([1, 3, 256, 256], seed: 8)).shape, [1, 1, 62, 62])
    }
  }

  func testXavierNormalInitialisation() throws {
    let generator = try XCTUnwrap(try make("cut-cpu", seed: 9) as? ResnetGenerator)
    let params = Dictionary(uniqueKeysWithValues: generator.namedParameters().map { ($0.0, $0.1.value.values) })
    // [64, 64, 3, 3]: std = 0.02 · √(2 / (fan_in + fan_out)) = 0.02 · √(2 / (576 + 576)).
    let w = try XCTUnwrap(params["model.12.conv_block.1.weight"]).map(Double.init)
    let mean = w.reduce(0, +) / Double(w.count)
    let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
    let expected = 0.02 * (2.0 / 1152).squareRoot()
    XCTAssertEqual(std, expected, accuracy: expected * 0.03)
    XCTAssertEqual(mean, 0, accuracy: expected * 0.03)
    XCTAssertTrue(try XCTUnwrap(params["model.12.conv_block.1.bias"]).allSatisfy { $0 == 0 })
  }

  func testLayerTableTracesTheGenerator() throws {
    let summary = try ModelSummary.traced(try ModelPresets.spec(named: "cut-cpu"), size: 64)
    XCTAssertEqual(summary.rows.first?.layer, "ReflectionPad2d(3)")
    let row = try XCTUnwrap(summary.rows.first { $0.name == "model.7" })
    XCTAssertEqual(row.outputShape, [1, 32, 32, 32])
    XCTAssertEqual(summary.rows.reduce(0) { $0 + $1.parameters }, 272_515)
  }

  /// Central differences of L = Σ w·G(x) in a tiny generator (ngf 4, one block, 12×12 input:
  /// every layer kind, a 3×3 bottleneck) against autograd, for the input and three parameters
  /// (biases before an InstanceNorm have zero gradient, so the output conv's bias is checked).
  /// Weights are drawn at Kaiming scale, not CUT's 0.02, so that no term is negligible.
  /// Through ReLU kinks and InstanceNorm over 9 pixels single float32 differences are noisy
  /// (a few per cent at h = 1e-3, worse for larger h by curvature and smaller h by rounding), so
  /// each tensor's 16 sampled entries are compared as one vector: a correct backward stays
  /// within 3 % relative L2 error over seeds, a wrong one is off by O(1).
  func testTinyGeneratorGradientsMatchFiniteDifferences() throws {
    let generator = ResnetGenerator(GeneratorConfig(baseChannels: 4, resnetBlocks: 1))
    var rng = PhiloxRandom(seed: 10)
    for (_, p) in generator.namedParameters() where p.shape.count > 1 {
      let bound = (3 / Float(p.shape.dropFirst().reduce(1, *))).squareRoot()
      for i in 0..<p.count { p.value.data[i] = rng.uniform(-bound, bound) }
    }
    let x = random([1, 3, 12, 12], seed: 11)
    x.requiresGrad = true
    let w = random([1, 3, 12, 12], seed: 12)
    try generator(x).backward(gradient: w)
    func loss() throws -> Double {
      try Autograd.withoutGradients {
        let y = try generator(x)
        return (0..<y.count).reduce(0.0) { $0 + Double(y.data[$1]) * Double(w.data[$1]) }
      }
    }
    let named = Dictionary(uniqueKeysWithValues: generator.namedParameters().map { ($0.0, $0.1.value) })
    let checked: [(String, Tensor)] = [
      ("input", x), ("model.1.weight", named["model.1.weight"]!), ("model.12.conv_block.5.weight", named["model.12.conv_block.5.weight"]!),
      ("model.22.bias", named["model.22.bias"]!),
    ]
    let h: Float = 1e-3
    for (name, t) in checked {
      let grad = try XCTUnwrap(t.grad, name)
      var (error2, norm2) = (0.0, 0.0)
      for i in stride(from: 0, to: t.count, by: max(1, t.count / 16)) {
        let saved = t.data[i]
        t.data[i] = saved + h
        let plus = try loss()
        t.data[i] = saved - h
        let minus = try loss()
        t.data[i] = saved
        let numeric = (plus - minus) / (2 * Double(h))
        error2 += (Double(grad.data[i]) - numeric) * (Double(grad.data[i]) - numeric)
        norm2 += numeric * numeric
      }
      XCTAssertGreaterThan(norm2, 0, name)
      XCTAssertLessThan((error2 / norm2).squareRoot(), 0.05, name)
    }
  }
}
