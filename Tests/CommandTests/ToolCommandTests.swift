// End-to-end tests of the tool commands through the built binary on tiny shapes: `export` of a
// run's checkpoint, `inspect model`, and the four `bench` commands with their JSON reports and
// their one-line errors.
import Foundation
import XCTest

final class ToolCommandTests: CommandTestCase {
  /// Parameters of unet-tiny (`noiseda inspect model unet-tiny` prints the same count).
  let unetTinyParameters = 32_875

  func json(_ name: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name))))
  }

  func testExportOfACheckpointWritesItsRestorerAsSafetensors() throws {
    let binary = try noiseda()
    let shards = try makeShards()
    let train = try run(binary, [
      "train", "--set", "run.out_dir=\(path("runs"))", "--set", "run.name=tiny", "--set", "method.name=vanilla",
      "--set", "model.restorer=unet-tiny", "--set", "data.pairs=\(shards.pairs)", "--set", "data.val=\(shards.val)",
      "--set", "data.patch=16", "--set", "data.batch=2", "--set", "train.steps=2", "--set", "train.checkpoint_every=2",
      "--set", "train.val_every=2", "--set", "ema.decay=0.5",
    ])
    XCTAssertEqual(train.status, 0, train.output)
    let checkpoint = path("runs/tiny/step-000002.h5")
    for (flags, file) in [(["--ema"], "ema.safetensors"), ([], "raw.safetensors")] {
      let export = try run(binary, ["export", "--weights", checkpoint, "--output", path(file)] + flags)
      XCTAssertEqual(export.status, 0, export.output)
    }
    // Names, sizes and metadata from the safetensors header; values against the checkpoint's
    // datasets when Debian's h5py is there.
    let check = #"""
import json, struct, sys
def load(path):
    blob = open(path, "rb").read()
    size = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + size])
    meta = header.pop("__metadata__")
    values = {}
    for name, entry in header.items():
        lo, hi = entry["data_offsets"]
        values[name] = struct.unpack("<%df" % ((hi - lo) // 4), blob[8 + size + lo:8 + size + hi])
    return meta, values
meta, ema = load(sys.argv[1])
_, raw = load(sys.argv[2])
print("model", meta["model"], "source", meta["source"])
print("floats", sum(len(v) for v in ema.values()))
print("first", "down_path.0.block.0.weight" in ema)
print("ema differs from raw", any(ema[n] != raw[n] for n in ema))
try:
    import h5py, numpy
except ImportError:
    sys.exit(0)
with h5py.File(sys.argv[3], "r") as f:
    same = all(numpy.array_equal(numpy.asarray(f["restorer/ema"][n]).ravel(), numpy.asarray(v, dtype=numpy.float32)) for n, v in ema.items())
print("equals checkpoint", same)
"""#
    let result = try run("/usr/bin/python3", ["-c", check, path("ema.safetensors"), path("raw.safetensors"), checkpoint])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssert(result.output.contains("model unet-tiny source ema"), result.output)
    XCTAssert(result.output.contains("floats \(unetTinyParameters)"), result.output)
    XCTAssert(result.output.contains("first True") && result.output.contains("ema differs from raw True"), result.output)
    XCTAssertFalse(result.output.contains("equals checkpoint False"), result.output)

    let wrongModel = try run(binary, ["export", "--weights", checkpoint, "--model", "unet-s", "--output", path("x.safetensors")])
    XCTAssertNotEqual(wrongModel.status, 0)
    XCTAssert(wrongModel.output.contains("holds a unet-tiny restorer"), wrongModel.output)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
  }

  func testInspectModelCountsTheParameters() throws {
    let result = try run(try noiseda(), ["inspect", "model", "unet-tiny", "--size", "16"])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssert(result.output.contains("parameters: 32,875"), result.output)
    XCTAssert(result.output.contains("last ") && result.output.contains("[1, 3, 16, 16]"), result.output)
    let unknown = try run(try noiseda(), ["inspect", "model", "unet-huge"])
    XCTAssertNotEqual(unknown.status, 0)
    XCTAssert(unknown.output.contains("unet-tiny"), unknown.output)
  }

  func testBenchCommandsWriteTheirReports() throws {
    let binary = try noiseda()
    let ops = try run(binary, ["bench", "ops", "--threads", "1", "--batch", "1", "--repeats", "1", "--shapes", "4:8,8:4", "--json", path("ops.json")])
    XCTAssertEqual(ops.status, 0, ops.output)
    let convs = try XCTUnwrap((try json("ops.json") as? [String: Any])?["conv2d"] as? [[String: Any]])
    XCTAssertEqual(convs.map { $0["channels"] as? Int }, [4, 8])
    XCTAssertEqual(convs.map { $0["height"] as? Int }, [8, 4])
    XCTAssert(convs.allSatisfy { ($0["forwardMs"] as? Double ?? 0) > 0 })
    let winograd = try run(binary, ["bench", "ops", "--threads", "1", "--batch", "1", "--repeats", "1", "--shapes", "4:8",
                                    "--algorithm", "winograd", "--json", path("winograd.json")])
    XCTAssertEqual(winograd.status, 0, winograd.output)
    XCTAssertEqual((try json("winograd.json") as? [String: Any])?["algorithm"] as? String, "winograd")
    let badAlgorithm = try run(binary, ["bench", "ops", "--algorithm", "fft"])
    XCTAssertNotEqual(badAlgorithm.status, 0)
    XCTAssert(badAlgorithm.output.contains("--algorithm fft: unknown; use one of automatic, im2col, winograd"), badAlgorithm.output)
    let badShape = try run(binary, ["bench", "ops", "--shapes", "4x8"])
    XCTAssertNotEqual(badShape.status, 0)
    XCTAssert(badShape.output.contains("--shapes: '4x8' is not CHANNELS:SIZE"), badShape.output)

    let models = try run(binary, ["bench", "models", "--models", "unet-tiny", "--size", "16", "--batch", "1", "--repeats", "1", "--threads", "1", "--json", path("models.json")])
    XCTAssertEqual(models.status, 0, models.output)
    XCTAssertEqual((try json("models.json") as? [Any])?.count, 1)

    let step = try run(binary, ["bench", "step", "--restorer", "unet-tiny", "--diffusion", "diffusion-tiny", "--patch", "16", "--batch", "1",
                                "--steps", "2", "--warmup", "1", "--threads", "1", "--json", path("step.json")])
    XCTAssertEqual(step.status, 0, step.output)
    let stepReport = try XCTUnwrap(try json("step.json") as? [String: Any])
    XCTAssertEqual((stepReport["stepSeconds"] as? [Double])?.count, 2)
    // The steady state allocates nothing new: only the warm-up step fills the buffer pool.
    XCTAssertEqual((stepReport["freshAllocations"] as? [Int])?.dropFirst().allSatisfy { $0 == 0 }, true, step.output)

    let data = try run(binary, ["bench", "data", "--batches", "2", "--patch", "16", "--batch", "2", "--json", path("data.json")])
    XCTAssertEqual(data.status, 0, data.output)
    XCTAssertEqual((try json("data.json") as? [String: Any])?["batches"] as? Int, 2)
    let noShards = try run(binary, ["bench", "data", "--shards", path("none")])
    XCTAssertNotEqual(noShards.status, 0)
    XCTAssert(noShards.output.contains(path("none")), noShards.output)
  }
}
