// End-to-end tests of `noiseda convert` and `noiseda inspect shards` through the built binary:
// a folder with a bad file, the shards read back by h5py with the documented names, shapes and
// attributes, a damaged shard caught by inspect, nothing-to-convert failing, RESIDE's hazy/clear
// pairing and the haze degradation, and two ranks under mpirun.
import Foundation
import XCTest

final class ConvertCommandTests: CommandTestCase {
  func testConvertSkipsTheBadFileAndH5pyReadsTheDocumentedLayout() throws {
    let binary = try noiseda()
    let source = try makeSourceFolder("src", count: 3, width: 40, height: 24)
    let out = path("shards")
    let convert = try run(binary, ["convert", "--layout", "folder", "--input", source, "--kind", "pairs", "--task", "denoise",
                                   "--degrade", "awgn:25", "--tile", "16", "--shard-size", "5", "--deflate", "1", "--out", out])
    XCTAssertEqual(convert.status, 0, convert.output)
    XCTAssertTrue(convert.output.contains("skipped \(source)/broken.jpg"), convert.output)
    XCTAssertTrue(convert.output.contains("18 pairs samples from 4 items, 1 skipped"), convert.output)

    let inspect = try run(binary, ["inspect", "shards", out])
    XCTAssertEqual(inspect.status, 0, inspect.output)
    XCTAssertEqual(inspect.output.components(separatedBy: "sha256 ok").count - 1, 3, inspect.output)

    let check = #"""
import sys, json, hashlib, os
try:
    import h5py, numpy
except ImportError:
    print("SKIP h5py"); sys.exit(0)
out = sys.argv[1]
manifest = json.load(open(os.path.join(out, "manifest.json")))
assert manifest["format"] == "noiseda-shards" and manifest["version"] == 1, manifest
assert manifest["kind"] == "pairs" and manifest["tile"] == 16 and manifest["count"] == 18, manifest
assert [s["path"].endswith("broken.jpg") for s in manifest["skipped"]] == [True], manifest["skipped"]
total = 0
for shard in manifest["shards"]:
    path = os.path.join(out, shard["file"])
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == shard["sha256"]
    assert os.path.getsize(path) == shard["bytes"]
    with h5py.File(path, "r") as f:
        a = f.attrs
        assert a["format"] == "noiseda-shard" and a["version"] == 1 and a["kind"] == "pairs", dict(a)
        assert a["task"] == "denoise" and a["tile"] == 16 and a["count"] == shard["count"], dict(a)
        n = int(a["count"])
        for name in ("input", "target"):
            d = f[name]
            assert d.dtype == numpy.uint8 and d.shape == (n, 16, 16, 3), (name, d.dtype, d.shape)
            assert d.chunks == (1, 16, 16, 3) and d.compression == "gzip", (d.chunks, d.compression)
        src = [s.decode() if isinstance(s, bytes) else s for s in f["source"][...]]
        assert len(src) == n and all(s.endswith(".png") for s in src), src
        diff = f["input"][...].astype(int) - f["target"][...].astype(int)
        assert 10 < diff.std() < 40, diff.std()
        total += n
assert total == 18
print("OK")
"""#
    let h5py = try run("/usr/bin/python3", ["-c", check, out])
    XCTAssertEqual(h5py.status, 0, h5py.output)
    if h5py.output.contains("SKIP") { throw XCTSkip("Debian's python3-h5py is not installed; h5py check skipped") }
    XCTAssertTrue(h5py.output.contains("OK"), h5py.output)
  }

  func testValShardsAndDamageDetection() throws {
    let binary = try noiseda()
    let source = try makeSourceFolder("valsrc", count: 2, width: 21, height: 13)
    let out = path("val")
    let convert = try run(binary, ["convert", "--layout", "folder", "--input", source, "--kind", "val", "--degrade", "camera", "--out", out])
    XCTAssertEqual(convert.status, 0, convert.output)
    let check = #"""
import sys, os
try:
    import h5py
except ImportError:
    print("SKIP"); sys.exit(0)
out = sys.argv[1]
files = sorted(f for f in os.listdir(out) if f.endswith(".h5"))
with h5py.File(os.path.join(out, files[0]), "r") as f:
    assert f.attrs["kind"] == "val" and f.attrs["tile"] == 0 and f.attrs["count"] == 2
    for i in range(2):
        g = f["images/%06d" % i]
        assert g["input"].shape == (13, 21, 3) and g["target"].shape == (13, 21, 3), g["input"].shape
print("OK")
"""#
    let h5py = try run("/usr/bin/python3", ["-c", check, out])
    XCTAssertEqual(h5py.status, 0, h5py.output)
    XCTAssertTrue(h5py.output.contains("OK") || h5py.output.contains("SKIP"), h5py.output)

    let shard = try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasSuffix(".h5") }!
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: out + "/" + shard))
    let size = try handle.seekToEnd()
    try handle.seek(toOffset: size / 2)
    let byte = try handle.read(upToCount: 1)![0]
    try handle.seek(toOffset: size / 2)
    try handle.write(contentsOf: Data([byte ^ 0xFF]))
    try handle.close()
    let inspect = try run(binary, ["inspect", "shards", out])
    XCTAssertNotEqual(inspect.status, 0, inspect.output)
    XCTAssertTrue(inspect.output.contains("DAMAGED") && inspect.output.contains("SHA-256"), inspect.output)
  }

  func testNothingToConvertFailsWithAMessage() throws {
    let binary = try noiseda()
    let source = path("empty")
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    try Data("x".utf8).write(to: URL(fileURLWithPath: source + "/a.png"))
    let convert = try run(binary, ["convert", "--layout", "folder", "--input", source, "--kind", "clean", "--out", path("none")])
    XCTAssertNotEqual(convert.status, 0)
    XCTAssertTrue(convert.output.contains("nothing was converted"), convert.output)
    let bad = try run(binary, ["convert", "--layout", "nope", "--input", source, "--kind", "clean", "--out", path("none")])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.output.contains("unknown --layout 'nope'"), bad.output)
  }

  /// `--layout reside` pairs each hazy tile with the clear image its leading id names (a hazy file
  /// without one is skipped and named); `--degrade haze` makes inputs that are brighter, flatter
  /// versions of their targets.
  func testResideLayoutPairsByIDAndHazeDegrades() throws {
    let binary = try noiseda()
    let clear = try makeSourceFolder("reside/clear", count: 2, width: 16, height: 16)
    let hazy = try makeSourceFolder("reside/hazy", count: 3, width: 16, height: 16)
    try FileManager.default.removeItem(atPath: clear + "/broken.jpg")
    for (folder, from, to) in [(clear, "img00", "1"), (clear, "img01", "2"), (hazy, "img00", "1_1_0.9"), (hazy, "img01", "1_2_0.8"), (hazy, "img02", "2_1_0.7")] {
      try FileManager.default.moveItem(atPath: "\(folder)/\(from).png", toPath: "\(folder)/\(to).png")
    }
    let pairs = try run(binary, ["convert", "--layout", "reside", "--input", path("reside"), "--kind", "pairs", "--task", "dehaze",
                                 "--tile", "16", "--out", path("reside-pairs")])
    XCTAssertEqual(pairs.status, 0, pairs.output)
    XCTAssertTrue(pairs.output.contains("skipped \(hazy)/broken.jpg: no clear image broken.png"), pairs.output)
    XCTAssertTrue(pairs.output.contains("3 pairs samples from 3 items, 1 skipped"), pairs.output)
    let haze = try run(binary, ["convert", "--layout", "folder", "--input", clear, "--kind", "pairs", "--task", "dehaze",
                                "--degrade", "haze", "--seed", "3", "--tile", "16", "--out", path("haze-pairs")])
    XCTAssertEqual(haze.status, 0, haze.output)
    XCTAssertTrue(haze.output.contains("2 pairs samples from 2 items, 0 skipped"), haze.output)

    let check = #"""
import sys, os
try:
    import h5py, numpy
except ImportError:
    print("SKIP"); sys.exit(0)
def samples(folder):
    out = []
    for name in sorted(f for f in os.listdir(folder) if f.endswith(".h5")):
        with h5py.File(os.path.join(folder, name), "r") as f:
            out += list(zip(f["source"].asstr()[...], f["input"][...].astype(int), f["target"][...].astype(int)))
    return out
def picture(i):  # CommandTestCase.makeSourceFolder's image i
    y, x, c = numpy.mgrid[0:16, 0:16, 0:3]
    return (x * 7 + y * 3 + i * 40 + c * 85) % 256
expected = {"1_1_0.9.png": (0, 0), "1_2_0.8.png": (1, 0), "2_1_0.7.png": (2, 1)}
got = samples(sys.argv[1])
assert sorted(os.path.basename(s) for s, _, _ in got) == sorted(expected), [s for s, _, _ in got]
for source, inp, tgt in got:
    hazy, clear = expected[os.path.basename(source)]
    assert (inp == picture(hazy)).all() and (tgt == picture(clear)).all(), source
for source, inp, tgt in samples(sys.argv[2]):
    assert inp.mean() > tgt.mean() + 10 and inp.std() < 0.9 * tgt.std(), (source, inp.mean(), tgt.mean(), inp.std(), tgt.std())
print("OK")
"""#
    let h5py = try run("/usr/bin/python3", ["-c", check, path("reside-pairs"), path("haze-pairs")])
    XCTAssertEqual(h5py.status, 0, h5py.output)
    if h5py.output.contains("SKIP") { throw XCTSkip("Debian's python3-h5py is not installed; h5py check skipped") }
    XCTAssertTrue(h5py.output.contains("OK"), h5py.output)
  }

  func testTwoRanksUnderMpirunWriteOneManifest() throws {
    let binary = try noiseda()
    guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
      throw XCTSkip("mpirun is not installed (apt-get install openmpi-bin)")
    }
    let source = try makeSourceFolder("mpisrc", count: 5, width: 32, height: 16)
    let out = path("mpi")
    let result = try run(mpirun, ["--allow-run-as-root", "--oversubscribe", "-np", "2", binary, "convert", "--layout", "folder",
                                  "--input", source, "--kind", "clean", "--tile", "16", "--shard-size", "4", "--out", out],
                         extraEnvironment: ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"])
    XCTAssertEqual(result.status, 0, result.output)
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as! [String: Any]
    let files = (manifest["shards"] as! [[String: Any]]).map { $0["file"] as! String }
    XCTAssertEqual(manifest["count"] as? Int, 10)
    XCTAssertTrue(files.contains { $0.hasPrefix("clean-r000-") } && files.contains { $0.hasPrefix("clean-r001-") }, "\(files)")
    let inspect = try run(binary, ["inspect", "shards", out])
    XCTAssertEqual(inspect.status, 0, inspect.output)
  }
}
