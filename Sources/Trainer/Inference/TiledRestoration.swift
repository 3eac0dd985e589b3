// TiledRestoration: inference on images of any size with bounded memory: the image is cut into
// overlapping tiles, each restored by the method's restoration (which pads to its network's size
// multiple), and the tiles are blended with weights that ignore each tile's outer quarter-overlap
// (where it lacks context) and ramp linearly across the middle, so no seams show.
import Methods
import Tensors

/// Restores `[1, 3, H, W]` images tile by tile.
public struct TiledRestoration {
  public let tile: Int
  public let overlap: Int

  /// Tiles of `tile` pixels (side) overlapping by `overlap` pixels.
  public init(tile: Int = 512, overlap: Int = 64) {
    precondition(tile > 2 * overlap && overlap >= 0, "TiledRestoration: tile \(tile) must exceed twice the overlap \(overlap)")
    self.tile = tile
    self.overlap = overlap
  }

  /// Tile origins along an axis of `size` pixels: step `tile − overlap`, the last flush with the end.
  func origins(_ size: Int) -> [Int] {
    guard size > tile else { return [0] }
    var out = Array(stride(from: 0, to: size - tile, by: tile - overlap))
    out.append(size - tile)
    return out
  }

  /// Blend weight of position `i` in a tile of length `n` that starts at `origin` of `size`: on
  /// sides with a neighbour, 0 over the outer quarter of the overlap (where the tile lacks
  /// context), a linear ramp over its middle half, 1 beyond; neighbours' weights sum to 1.
  func weight(_ i: Int, n: Int, origin: Int, size: Int) -> Float {
    guard overlap > 0 else { return 1 }
    func ramp(_ d: Int) -> Float { min(max((Float(d) + 0.5 - Float(overlap) / 4) / (Float(overlap) / 2), 0), 1) }
    var w: Float = 1
    if origin > 0 { w = min(w, ramp(i)) }
    if origin + n < size { w = min(w, ramp(n - 1 - i)) }
    return w
  }

  /// `restoration` applied to `image` ([1, 3, H, W]) tile by tile, tiles in row-major order
  /// drawing from `rng`.
  public func restore(_ image: Tensor, with restoration: ImageRestoration, using rng: inout PhiloxRandom) throws -> Tensor {
    let h = image.shape[2], w = image.shape[3]
    if h <= tile && w <= tile { return try restoration.restore(image, using: &rng) }
    let out = Tensor.zeros([1, 3, h, w])
    var total = [Float](repeating: 0, count: h * w)
    for y0 in origins(h) {
      for x0 in origins(w) {
        let th = min(tile, h), tw = min(tile, w)
        let patch = try image.slice(axis: 2, range: y0..<y0 + th).slice(axis: 3, range: x0..<x0 + tw)
        let restored = try restoration.restore(patch, using: &rng)
        for y in 0..<th {
          let wy = weight(y, n: th, origin: y0, size: h)
          for x in 0..<tw {
            let wt = wy * weight(x, n: tw, origin: x0, size: w)
            let dst = (y0 + y) * w + x0 + x
            total[dst] += wt
            for c in 0..<3 { out.data[c * h * w + dst] += wt * restored.data[(c * th + y) * tw + x] }
          }
        }
      }
    }
    for c in 0..<3 {
      for i in 0..<(h * w) { out.data[c * h * w + i] /= total[i] }
    }
    return out
  }
}
