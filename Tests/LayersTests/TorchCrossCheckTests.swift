// Runs the PyTorch references (Tests/reference/) on NoiseDA parameters and compares outputs
// (docs/pytorch-crosscheck.md). Skipped, with a message, where torch is not installed.
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
}
