// SyntheticPairShards: a pair shard set made from nothing — smooth colour fields with texture (so
// deflate sees realistic entropy) and AWGN σ 25 copies as inputs — for `noiseda bench data` when
// no shards are given, and for tests that need real HDF5 pair files.
import Foundation
import Tensors

/// Writes synthetic pair shards.
public enum SyntheticPairShards {
  /// One shard of `tiles` pictures of `tile`×`tile` pixels (deflate level 4) and its manifest in `folder`.
  public static func write(to folder: String, tiles: Int, tile: Int, seed: UInt64 = 1) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let writer = try ShardWriter(path: folder + "/pairs-000.h5", kind: .pairs, task: "bench", tile: tile,
                                 storesInput: true, storesTarget: true, deflate: 4)
    var rng = PhiloxRandom(seed: seed)
    let noise = AWGN(sigma: 25)
    for i in 0..<tiles {
      var pixels = [Float](repeating: 0, count: tile * tile * 3)
      let fx = rng.uniform(0.01, 0.1), fy = rng.uniform(0.01, 0.1)
      for y in 0..<tile {
        for x in 0..<tile {
          for c in 0..<3 {
            pixels[(y * tile + x) * 3 + c] = 0.5 + 0.3 * sin(fx * Float(x + 40 * c)) * cos(fy * Float(y)) + 0.05 * rng.uniform(-1, 1)
          }
        }
      }
      let clean = FloatImage(width: tile, height: tile, pixels: pixels)
      let noisy = noise.apply(clean, using: &rng)
      try writer.append(input: noisy.quantized(), target: clean.quantized(), source: "synthetic-\(i)")
    }
    let info = try writer.commit()
    try ShardManifest(kind: .pairs, task: "bench", tile: tile, shards: [info], skipped: []).write(folder: folder)
  }
}
