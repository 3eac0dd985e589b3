// WeightFile: HDF5 save → load is bit-exact (parameters and EMA), files are laid out as h5py
// expects, and a file for another model fails naming the parameter at fault.
import Foundation
import HDF5Files
import Layers
import Tensors
import XCTest

final class WeightFileTests: XCTestCase {
  private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("noiseda-wf-\(getpid())-\(name)").path
  }

  private func initialised(_ name: String, seed: UInt64) throws -> ParameterStore {
    let store = ParameterStore(module: try ModelPresets.spec(named: name).build())
    var rng = PhiloxRandom(seed: seed)
    store.initialize(using: &rng)
    return store
  }

  private func bits(_ buffer: FlatBuffer) -> [UInt32] {
    UnsafeBufferPointer(start: buffer.pointer, count: buffer.count).map(\.bitPattern)
  }

  func testSaveLoadIsBitExactWithEMA() throws {
    let path = temporaryPath("rt.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let source = try initialised("diffusion-tiny", seed: 1)
    let ema = ExponentialMovingAverage(store: source, decay: 0.5)
    for i in 0..<source.flatCount where source.values.pointer[i] != 0 { source.values.pointer[i] += 0.25 }
    ema.update()
    try WeightFile.save(path, model: "diffusion-tiny", store: source, ema: ema)
    XCTAssertEqual(try WeightFile.modelName(path), "diffusion-tiny")

    let target = try initialised("diffusion-tiny", seed: 2)
    let targetEMA = ExponentialMovingAverage(store: target, decay: 0.5)
    try WeightFile.load(path, into: target, ema: targetEMA)
    XCTAssertEqual(bits(target.values), bits(source.values))
    XCTAssertEqual(bits(targetEMA.shadow), bits(ema.shadow))
    try WeightFile.load(path, into: target, useEMA: true)
    XCTAssertEqual(bits(target.values), bits(ema.shadow))
  }

  func testLayoutIsOneDatasetPerNameInPyTorchShape() throws {
    let path = temporaryPath("layout.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try initialised("unet-tiny", seed: 3)
    try WeightFile.save(path, model: "unet-tiny", store: store)
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let group = try file.root.group("parameters")
    XCTAssertEqual(Set(try group.childNames()), Set(store.entries.map(\.name)))
    let entry = try XCTUnwrap(store.entry(named: "down_path.1.block.0.weight"))
    let dataset = try group.dataset(entry.name)
    XCTAssertEqual(try dataset.shape(), [16, 8, 3, 3])
    let values = try dataset.read(as: Float.self)
    XCTAssertEqual(values, Array(UnsafeBufferPointer(start: store.values.pointer + entry.offset, count: entry.count)))
    XCTAssertFalse(try file.root.contains("ema"))
  }

  func testReadableByH5py() throws {
    let python = "/usr/bin/python3"
    guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no /usr/bin/python3 with h5py") }
    let path = temporaryPath("h5py.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try initialised("unet-tiny", seed: 4)
    try WeightFile.save(path, model: "unet-tiny", store: store)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [
      "-c",
      "import h5py,sys; f=h5py.File(sys.argv[1],'r'); d=f['parameters']['last.weight']; "
        + "print(f.attrs['format'], f.attrs['model'], d.shape, d.dtype, float(d[1,2,0,1]))",
      path,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let entry = try XCTUnwrap(store.entry(named: "last.weight"))
    let value = store.values.pointer[entry.offset + ((1 * 8 + 2) * 3 + 0) * 3 + 1]
    XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "noiseda-weights unet-tiny (3, 8, 3, 3) float32 \(Double(value))")
  }

  func testMismatchedFilesNameTheParameter() throws {
    let path = temporaryPath("bad.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    // Another width: same names, other shapes.
    try WeightFile.save(path, model: "unet-cpu", store: try initialised("unet-cpu", seed: 5))
    let tiny = try initialised("unet-tiny", seed: 6)
    XCTAssertThrowsError(try WeightFile.load(path, into: tiny)) { error in
      XCTAssertEqual(
        error as? LayersError,
        .parameterShape(name: "down_path.0.block.0.weight", file: path, expected: [8, 3, 3, 3], found: [16, 3, 3, 3]))
    }
    // A parameter missing: write all but one by hand.
    let file = try HDF5File.create(path)
    try file.root.setAttribute("format", WeightFile.format)
    try file.root.setAttribute("version", WeightFile.version)
    try file.root.setAttribute("model", "unet-tiny")
    try WeightFile.write(Array(tiny.namedViews(of: tiny.values).dropLast()), to: try file.root.createGroup("parameters"))
    try file.commit()
    XCTAssertThrowsError(try WeightFile.load(path, into: tiny)) { error in
      XCTAssertEqual(error as? LayersError, .missingParameter(name: "last.bias", file: path))
      XCTAssertTrue("\(error)".contains("'last.bias' is missing"))
    }
    // A deeper model's file has parameters this one lacks.
    try WeightFile.save(path, model: "unet-t", store: try initialised("unet-t", seed: 7))
    XCTAssertThrowsError(try WeightFile.load(path, into: tiny)) { error in
      guard case .unexpectedParameter(let name, _)? = error as? LayersError else { return XCTFail("\(error)") }
      XCTAssertTrue(name.hasPrefix("down_path.3") || name.hasPrefix("up_path.2"), name)
    }
    // EMA requested from a file without one.
    try WeightFile.save(path, model: "unet-tiny", store: tiny)
    XCTAssertThrowsError(try WeightFile.load(path, into: tiny, useEMA: true)) { XCTAssertTrue("\($0)".contains("'ema'"), "\($0)") }
  }

  func testExportWritesTheRestorerAsSafetensors() throws {
    let weights = temporaryPath("export.h5"), output = temporaryPath("export.safetensors")
    defer {
      try? FileManager.default.removeItem(atPath: weights)
      try? FileManager.default.removeItem(atPath: output)
    }
    let store = try initialised("unet-tiny", seed: 8)
    try WeightFile.save(weights, model: "unet-tiny", store: store)
    try ModelExport.restorerSafetensors(weights: weights, model: nil, useEMA: false, output: output)
    let exported = try Safetensors.read(output)
    XCTAssertEqual(exported.map(\.0), store.entries.map(\.name))
    for ((_, t), e) in zip(exported, store.entries) {
      XCTAssertEqual(t.shape, e.shape)
      XCTAssertEqual(t.values, Array(UnsafeBufferPointer(start: store.values.pointer + e.offset, count: e.count)))
    }
    try WeightFile.save(weights, model: "diffusion-tiny", store: try initialised("diffusion-tiny", seed: 9))
    XCTAssertThrowsError(try ModelExport.restorerSafetensors(weights: weights, model: nil, useEMA: false, output: output)) {
      XCTAssertTrue("\($0)".contains("not a restorer"), "\($0)")
    }
  }
}
