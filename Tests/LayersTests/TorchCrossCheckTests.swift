// Runs the PyTorch reference on a NoiseDA restorer export and compares outputs
// (docs/pytorch-crosscheck.md). Skipped, with a message, where torch is not installed.
import Foundation
import Layers
import Tensors
import XCTest

final class TorchCrossCheckTests: XCTestCase {
  func testRestorerExportMatchesPyTorch() throws {
    let env = ProcessInfo.processInfo.environment
    let python = env["NOISEDA_TORCH_PYTHON"] ?? NSHomeDirectory() + "/.venvs/torch/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
      throw XCTSkip("PyTorch cross-check skipped: no \(python); see docs/pytorch-crosscheck.md to install CPU torch in a venv")
    }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-torch-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }

    let net = RestorerUNet(RestorerConfig(width: 8, depth: 3))
    let store = ParameterStore(module: net)
    var rng = PhiloxRandom(seed: 21)
    store.initialize(using: &rng)
    let x = Tensor.uniform([2, 3, 24, 40], 0, 1, using: &rng)
    let y = try Autograd.withoutGradients { try net(x) }
    let weights = dir.appendingPathComponent("model.safetensors").path
    let io = dir.appendingPathComponent("io.safetensors").path
    try Safetensors.write(net.namedParameters().map { ($0.0, $0.1.value) }, to: weights)
    try Safetensors.write([("input", x), ("output", y)], to: io)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [
      repo.appendingPathComponent("Tests/reference/check_restorer_export.py").path, "--weights", weights, "--io", io,
      "--width", "8", "--depth", "3",
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    if process.terminationStatus == 77 { throw XCTSkip("PyTorch cross-check skipped: \(output)") }
    XCTAssertEqual(process.terminationStatus, 0, output)
  }
}
