// Awkward inputs end to end: a folder holding a zlib-bomb PNG, a resource fork `._x.png`, a
// dangling link, a link to a good image, a FIFO, a folder named `x.png`, a subfolder, a name
// that is not UTF-8 and a JPEG with EXIF orientation — `convert` converts the good files and
// lists every other one with its reason (leaving no temporary shard); `restore DIR` restores
// every good file upright, lists each bad one, says it does not search subfolders and fails
// with a count; bad config values and a training step no machine holds are one-line errors.
import Foundation
import XCTest

final class InputCommandTests: CommandTestCase {
  /// The folder of awkward inputs (Debian's Python writes the images; PIL only for the EXIF JPEG).
  private func makeAwkwardFolder() throws -> String {
    let dir = try makeSourceFolder("awkward", count: 2, width: 24, height: 16)
    try FileManager.default.removeItem(atPath: dir + "/broken.jpg")
    let script = #"""
import sys, os, zlib, struct
d = sys.argv[1]
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
w = h = 30000
z = zlib.compressobj(9)
idat = b"".join(z.compress(b"\x00" * (1 + (w + 7) // 8)) for _ in range(h)) + z.flush()
open(os.path.join(d, "bomb.png"), "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
open(os.path.join(d, "._img00.png"), "wb").write(b"\x00\x05\x16\x07 AppleDouble resource fork")
os.symlink("img00.png", os.path.join(d, "link.png"))
os.symlink("gone.png", os.path.join(d, "dangling.png"))
os.mkfifo(os.path.join(d, "pipe.png"))
os.makedirs(os.path.join(d, "x.png"))
os.makedirs(os.path.join(d, "sub"))
open(os.path.join(d.encode(), b"caf\xe9.png"), "wb").write(b"x")
from PIL import Image
exif = Image.Exif()
exif[0x0112] = 6
Image.new("RGB", (40, 24), (200, 60, 30)).save(os.path.join(d, "rotated.jpg"), exif=exif.tobytes())
"""#
    let made = try run("/usr/bin/python3", ["-c", script, dir])
    if made.output.contains("No module named 'PIL'") { throw XCTSkip("Debian's python3 lacks PIL (apt-get install python3-pil)") }
    XCTAssertEqual(made.status, 0, made.output)
    return dir
  }

  func testConvertAndRestoreListEveryBadInputAndHandleTheRest() throws {
    let binary = try noiseda()
    let dir = try makeAwkwardFolder()
    let converted = try run(binary, ["convert", "--layout", "folder", "--input", dir, "--kind", "clean", "--tile", "8", "--out", path("shards")])
    XCTAssertEqual(converted.status, 0, converted.output)
    for line in ["skipped \(dir)/bomb.png: \(dir)/bomb.png is 30000×30000 (900.0 megapixels), above the limit",
                 "skipped \(dir)/._img00.png: \(dir)/._img00.png is neither a PNG nor a JPEG file",
                 "skipped \(dir)/dangling.png: cannot read \(dir)/dangling.png: a symbolic link to gone.png, which does not exist",
                 "skipped \(dir)/pipe.png: \(dir)/pipe.png is a FIFO (named pipe), not an image file",
                 "skipped \(dir)/caf\\xE9.png: its name is not valid UTF-8"] {
      XCTAssert(converted.output.contains(line), "missing '\(line)' in\n\(converted.output)")
    }
    // img00, img01, link (3 × 6 tiles of 8 from 24×16) and rotated.jpg upright 24×40 (15 tiles);
    // items are the files listed as images (these four, the bomb and the resource fork).
    XCTAssert(converted.output.contains("\(3 * 6 + 15) clean samples from 6 items, 5 skipped"), converted.output)
    XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: path("shards")).contains { $0.hasSuffix(".tmp") })

    let shards = try makeShards()
    let trained = try run(binary, ["train", "--set", "run.out_dir=\(path("runs"))", "--set", "run.name=v", "--set", "model.restorer=unet-tiny",
                                   "--set", "data.pairs=\(shards.pairs)", "--set", "data.patch=16", "--set", "data.batch=1", "--set", "train.steps=1"])
    XCTAssertEqual(trained.status, 0, trained.output)
    let restored = try run(binary, ["restore", "--checkpoint", path("runs/v/step-000001.h5"), "--input", dir, "--output", path("out"),
                                    "--tile", "16", "--overlap", "4"])
    XCTAssertEqual(restored.status, 1, restored.output)
    for line in ["\(dir): 2 subfolders not searched", "skipped \(dir)/bomb.png: ", "skipped \(dir)/._img00.png: ", "skipped \(dir)/dangling.png: ",
                 "skipped \(dir)/pipe.png: ", "skipped \(dir)/caf\\xE9.png: ", "Error: restored 4 of 9 images; 5 could not be read (listed above)"] {
      XCTAssert(restored.output.contains(line), "missing '\(line)' in\n\(restored.output)")
    }
    let outputs = try FileManager.default.contentsOfDirectory(atPath: path("out")).sorted()
    XCTAssertEqual(outputs, ["img00.png", "img01.png", "link.png", "rotated.png"])
    let size = try run("/usr/bin/python3", ["-c", "import skimage.io, sys; print(skimage.io.imread(sys.argv[1]).shape)", path("out/rotated.png")])
    XCTAssertEqual(size.output.trimmingCharacters(in: .whitespacesAndNewlines), "(40, 24, 3)", "EXIF orientation 6 turns 40×24 upright")

    let single = try run(binary, ["restore", "--checkpoint", path("runs/v/step-000001.h5"), "--input", dir + "/pipe.png", "--output", path("p.png")])
    XCTAssertNotEqual(single.status, 0)
    XCTAssert(single.output.contains("is a FIFO (named pipe), not an image file"), single.output)
    // A name that is not UTF-8, passed as raw bytes: said so, not "does not exist".
    let raw = try run("/usr/bin/python3", ["-c", """
      import subprocess, sys
      r = subprocess.run([sys.argv[1].encode(), b"restore", b"--checkpoint", sys.argv[2].encode(), b"--input", sys.argv[3].encode() + b"/caf\\xe9.png", b"--output", b"o.png"], capture_output=True)
      print(r.returncode, r.stderr.decode(errors="replace"))
      """, binary, path("runs/v/step-000001.h5"), dir])
    XCTAssert(raw.output.contains("the name is not valid UTF-8"), raw.output)
  }

  func testBadConfigValuesAndImpossibleStepsAreOneLineErrors() throws {
    let binary = try noiseda()
    let config = path("bad.yaml")
    try "optim:\n  lr: -0.001\n".write(toFile: config, atomically: true, encoding: .utf8)
    let lr = try run(binary, ["train", "--config", config])
    XCTAssertNotEqual(lr.status, 0)
    XCTAssert(lr.output.contains("\(config): optim.lr = -0.001 must be > 0"), lr.output)
    let steps = try run(binary, ["train", "--set", "train.steps=0"])
    XCTAssertNotEqual(steps.status, 0)
    XCTAssert(steps.output.contains("--set: train.steps = 0 must be ≥ 1"), steps.output)
    let huge = try run(binary, ["train", "--set", "run.out_dir=\(path("runs"))", "--set", "data.patch=100000"])
    XCTAssertNotEqual(huge.status, 0)
    XCTAssert(huge.output.contains("data.patch = 100000 (--set) need at least"), huge.output)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("runs")), "nothing is created before the check")
  }
}
