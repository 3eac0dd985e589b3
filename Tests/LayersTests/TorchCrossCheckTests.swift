// Cross-checks NoiseDA's restorer (RestorerUNet) and diffusion net (DiffusionUNet) against the
// PyTorch references in Tests/reference/ (docs/pytorch-crosscheck.md), in two ways:
// - live (test…MatchesPyTorch): runs PyTorch on NoiseDA's random parameters; skipped, with a
//   message, where torch is not installed;
// - committed fixtures (test…MatchesPyTorchFixture): loads PyTorch-made weights from
//   Tests/LayersTests/Fixtures/ into NoiseDA, runs it on the stored input and compares with
//   PyTorch's stored output. Needs no torch, so it runs (and can fail) on every machine.
//   The fixtures are written by
//     ~/.venvs/torch/bin/python Tests/reference/make_crosscheck_fixtures.py
//   (run from the package root; the configs there and below must agree, which the test checks
//   through each file's __metadata__).
import Foundation
import Layers
import Tensors
import XCTest

final class TorchCrossCheckTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-torch-\(getpid())-\(name.hashValue)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: directory) }

  /// Runs `script` from Tests/reference with the torch venv's Python; skips without torch.
  private func runReference(_ script: String, _ arguments: [String]) throws {
    let python = ProcessInfo.processInfo.environment["NOISEDA_TORCH_PYTHON"] ?? NSHomeDirectory() + "/.venvs/torch/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
      throw XCTSkip("PyTorch cross-check skipped: no \(python); see docs/pytorch-crosscheck.md to install CPU torch in a venv")
    }
    let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("reference")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [reference.appendingPathComponent(script).path] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if process.terminationStatus == 77 { throw XCTSkip("PyTorch cross-check skipped: \(output)") }
    XCTAssertEqual(process.terminationStatus, 0, output)
  }

  /// Kaiming initialisation plus a small perturbation of every value, so that biases and
  /// normalisation parameters are not their trivial defaults.
  private func randomised(_ module: Module, seed: UInt64) -> ParameterStore {
    let store = ParameterStore(module: module)
    var rng = PhiloxRandom(seed: seed)
    store.initialize(using: &rng)
    for i in 0..<store.flatCount { store.values.pointer[i] += rng.uniform(-0.1, 0.1) }
    return store
  }

  func testRestorerExportMatchesPyTorch() throws {
    let net = RestorerUNet(RestorerConfig(width: 8, depth: 3))
    _ = randomised(net, seed: 21)
    var rng = PhiloxRandom(seed: 22)
    let x = Tensor.uniform([2, 3, 24, 40], 0, 1, using: &rng)
    let y = try Autograd.withoutGradients { try net(x) }
    let weights = directory.appendingPathComponent("model.safetensors").path
    let io = directory.appendingPathComponent("io.safetensors").path
    try Safetensors.write(net.namedParameters().map { ($0.0, $0.1.value) }, to: weights)
    try Safetensors.write([("input", x), ("output", y)], to: io)
    try runReference("check_restorer_export.py", ["--weights", weights, "--io", io, "--width", "8", "--depth", "3"])
  }

  func testDiffusionNetMatchesPyTorch() throws {
    // Three levels, two blocks each, attention after the level-1 blocks and in the middle:
    // exercises down/up ResBlocks, 1×1 skips, multi-head legacy attention and the embedding.
    let config = DiffusionConfig(
      inChannels: 9, baseChannels: 16, channelMultipliers: [1, 2, 2], resBlocks: 2, attentionResolutions: [2],
      headChannels: 8, dropout: 0.2, groups: 4)
    let net = DiffusionUNet(config)
    net.eval()
    _ = randomised(net, seed: 31)
    var rng = PhiloxRandom(seed: 32)
    let x = Tensor.normal([2, 9, 8, 12], using: &rng)
    let gammas: [Float] = [0.93, 0.0421]
    let y = try Autograd.withoutGradients { try net(x, gammas: gammas, using: &rng) }
    let weights = directory.appendingPathComponent("diffusion.safetensors").path
    let io = directory.appendingPathComponent("io.safetensors").path
    try Safetensors.write(net.namedParameters().map { ($0.0, $0.1.value) }, to: weights)
    try Safetensors.write([("input", x), ("gammas", try Tensor(shape: [2], values: gammas)), ("output", y)], to: io)
    let json = """
      {"in_channel": 9, "inner_channel": 16, "channel_mults": [1, 2, 2], "res_blocks": 2, "attn_res": [2], \
      "head_channels": 8, "groups": 4, "dropout": 0.2, "middle_attention": true}
      """
    try runReference("check_diffusion_export.py", ["--weights", weights, "--io", io, "--config", json])
  }

  // MARK: Committed PyTorch fixtures (no torch needed)

  /// The `format` and `version` in the `__metadata__` of every fixture file; bump the version
  /// here and in make_crosscheck_fixtures.py when the layout of the fixtures changes.
  private static let fixtureFormat = "noiseda-crosscheck-fixture"
  private static let fixtureVersion = "1"
  private static let regenerate = "regenerate with: ~/.venvs/torch/bin/python Tests/reference/make_crosscheck_fixtures.py"

  /// Largest accepted max |NoiseDA − PyTorch| over the output, relative to max(max |output|, 1)
  /// as in the check scripts. Measured on these fixtures (x86-64 Linux, OpenBLAS, torch 2.13 CPU):
  /// 7.2e-7 for the restorer (max |output| 1.56) and 5.4e-7 for the diffusion net (max |output|
  /// 1.91), i.e. 4.6e-7 and 2.8e-7 relative: a few float32 roundings. 1e-5 leaves a margin of
  /// about 20 for other BLAS builds and summation orders, while a real mismatch (a wrong layout,
  /// activation, normalisation or weight) is far larger: moving one stored output value by 1e-4
  /// fails both tests.
  private static let fixtureTolerance: Float = 1e-5

  private struct FixtureError: Error, CustomStringConvertible {
    let description: String
  }

  /// The metadata `config` of the restorer fixture (the JSON written by the script).
  private struct RestorerFixtureConfig: Decodable, Equatable {
    var width: Int
    var depth: Int
  }

  /// The metadata `config` of the diffusion fixture: torch_diffusion.DiffusionUNet's arguments.
  private struct DiffusionFixtureConfig: Decodable, Equatable {
    var in_channel: Int
    var inner_channel: Int
    var channel_mults: [Int]
    var res_blocks: Int
    var attn_res: [Int]
    var head_channels: Int
    var groups: Int
    var dropout: Float
    var middle_attention: Bool
  }

  /// Reads fixture `file` after checking that its `__metadata__` has this format, version and
  /// `network` and that its `config` decodes to `config`; returns its tensors by name.
  private func fixture<Config: Decodable & Equatable>(
    _ file: String, network: String, config: Config
  ) throws -> [String: Tensor] {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
      .appendingPathComponent(file).path
    let f = try SafetensorsFile(path, fix: Self.regenerate)
    guard f.metadata["format"] == Self.fixtureFormat, f.metadata["version"] == Self.fixtureVersion else {
      throw FixtureError(
        description: "\(file): format \(f.metadata["format"] ?? "none") version \(f.metadata["version"] ?? "none"), "
          + "this test reads \(Self.fixtureFormat) version \(Self.fixtureVersion); \(Self.regenerate)")
    }
    guard f.metadata["network"] == network else {
      throw FixtureError(description: "\(file): network \(f.metadata["network"] ?? "none"), expected \(network)")
    }
    let stored = try JSONDecoder().decode(Config.self, from: Data((f.metadata["config"] ?? "").utf8))
    guard stored == config else {
      throw FixtureError(description: "\(file): made for config \(stored), this test builds \(config); \(Self.regenerate)")
    }
    return Dictionary(uniqueKeysWithValues: try f.names.map { ($0, try f.tensor($0)) })
  }

  /// Fails unless `ours` has `theirs`' shape and max |ours − theirs| ≤ fixtureTolerance ·
  /// max(max |theirs|, 1); returns the max error (relative, as compared) for the message.
  @discardableResult
  private func assertMatches(_ ours: Tensor, _ theirs: Tensor, _ what: String) -> Float {
    XCTAssertEqual(ours.shape, theirs.shape, what)
    guard ours.shape == theirs.shape else { return .infinity }
    var err: Float = 0, scale: Float = 0
    for i in 0..<theirs.count {
      err = max(err, abs(ours.data[i] - theirs.data[i]))
      scale = max(scale, abs(theirs.data[i]))
    }
    let relative = err / max(scale, 1)
    print("\(what): max |NoiseDA - PyTorch| = \(err) (max |output| = \(scale), tolerance \(Self.fixtureTolerance) relative)")
    XCTAssertLessThanOrEqual(
      relative, Self.fixtureTolerance,
      "\(what): max |NoiseDA - PyTorch| = \(err), max |PyTorch output| = \(scale)")
    return relative
  }

  /// Restorer width 8, depth 3 on [2, 3, 24, 40]; the output is x + R(x).
  func testRestorerMatchesPyTorchFixture() throws {
    let config = RestorerFixtureConfig(width: 8, depth: 3)
    let net = RestorerUNet(RestorerConfig(width: config.width, depth: config.depth))
    net.eval()
    let weights = try fixture("restorer.weights.safetensors", network: "RestorerUNet", config: config)
    try ParameterStore(module: net).load(weights, strictlyFrom: "restorer.weights.safetensors")
    let io = try fixture("restorer.io.safetensors", network: "RestorerUNet", config: config)
    let x = try XCTUnwrap(io["input"]), expected = try XCTUnwrap(io["output"])
    XCTAssertEqual(x.shape, [2, 3, 24, 40])
    let y = try Autograd.withoutGradients { try net(x) }
    assertMatches(y, expected, "restorer fixture")
  }

  /// The live test's diffusion layout at a quarter of its width (base 4, not 16), to keep the
  /// weight file small (about 150 KB; base 16 would be 1.9 MB): three levels, two ResBlocks each,
  /// down/up ResBlocks, 1×1 skips, two-head legacy attention after the level-1 blocks and in the
  /// middle, GroupNorm with two channels per group, and the γ embedding.
  func testDiffusionNetMatchesPyTorchFixture() throws {
    let stored = DiffusionFixtureConfig(
      in_channel: 9, inner_channel: 4, channel_mults: [1, 2, 2], res_blocks: 2, attn_res: [2], head_channels: 4,
      groups: 2, dropout: 0.2, middle_attention: true)
    let config = DiffusionConfig(
      inChannels: stored.in_channel, baseChannels: stored.inner_channel, channelMultipliers: stored.channel_mults,
      resBlocks: stored.res_blocks, attentionResolutions: stored.attn_res, headChannels: stored.head_channels,
      dropout: stored.dropout, groups: stored.groups, middleAttention: stored.middle_attention)
    let net = DiffusionUNet(config)
    net.eval()
    let weights = try fixture("diffusion.weights.safetensors", network: "DiffusionUNet", config: stored)
    try ParameterStore(module: net).load(weights, strictlyFrom: "diffusion.weights.safetensors")
    let io = try fixture("diffusion.io.safetensors", network: "DiffusionUNet", config: stored)
    let x = try XCTUnwrap(io["input"]), gammas = try XCTUnwrap(io["gammas"]), expected = try XCTUnwrap(io["output"])
    XCTAssertEqual(x.shape, [2, 9, 8, 12])
    XCTAssertEqual(gammas.shape, [2])
    var rng = PhiloxRandom(seed: 32)  // eval mode: dropout draws nothing
    let y = try Autograd.withoutGradients {
      try net(x, gammas: (0..<gammas.count).map { gammas.data[$0] }, using: &rng)
    }
    assertMatches(y, expected, "diffusion fixture")
  }
}
