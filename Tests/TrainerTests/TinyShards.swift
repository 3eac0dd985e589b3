// TinyShards: writes small shard sets (pairs stored clean, real, clean, val) into a temporary folder,
// so trainer tests run the real loaders over real HDF5 files in well under a second.
import Foundation
import Shards
import Tensors

enum TinyShards {
  /// Writes `pairs`, `real`, `clean` and `val` shard folders under `root` and returns their paths.
  static func make(in root: URL, tile: Int = 24, count: Int = 6) throws -> (pairs: String, real: String, clean: String, val: String) {
    var rng = PhiloxRandom(seed: 42)
    func image(_ w: Int, _ h: Int) -> RGBImage {
      // Smooth gradients plus a little texture, so restoration has something to learn.
      let a = rng.uniform(), b = rng.uniform()
      var px = [UInt8](repeating: 0, count: w * h * 3)
      for y in 0..<h {
        for x in 0..<w {
          for c in 0..<3 {
            let v = 0.5 + 0.4 * sin(Float(x) * a + Float(y) * b + Float(c)) + 0.05 * rng.uniform()
            px[3 * (y * w + x) + c] = UInt8(min(max(v * 255, 0), 255))
          }
        }
      }
      return RGBImage(width: w, height: h, pixels: px)
    }
    func noisy(_ img: RGBImage) -> RGBImage {
      RGBImage(width: img.width, height: img.height, pixels: img.pixels.map { UInt8(min(max(Float($0) + 20 * rng.normal(), 0), 255)) })
    }
    func write(_ name: String, kind: ShardKind, input: Bool, target: Bool, size: Int) throws -> String {
      let folder = root.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let writer = try ShardWriter(path: folder.appendingPathComponent("\(name)-000.h5").path, kind: kind, task: "denoise",
                                   tile: kind == .val ? 0 : tile, storesInput: input, storesTarget: target, deflate: nil)
      for i in 0..<count {
        let clean = image(size, size)
        try writer.append(input: input ? noisy(clean) : nil, target: target ? clean : nil, source: "synthetic-\(i)")
      }
      let info = try writer.commit()
      try ShardManifest(kind: kind, task: "denoise", tile: kind == .val ? 0 : tile, shards: [info], skipped: []).write(folder: folder.path)
      return folder.path
    }
    return (try write("pairs", kind: .pairs, input: false, target: true, size: tile),
            try write("real", kind: .real, input: true, target: false, size: tile),
            try write("clean", kind: .clean, input: false, target: true, size: tile),
            try write("val", kind: .val, input: true, target: true, size: 20))
  }
}
