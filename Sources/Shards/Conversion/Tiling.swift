// Tiling: where training tiles are cut from an image — a regular grid of `tile × tile` windows
// `stride` apart, plus a last row/column flush with the far edge so no pixels are lost; images
// smaller than a tile are reflection-padded (bottom/right) or skipped.
import Tensors

/// Cuts fixed-size tiles; a pair is cut at identical positions.
public struct TileCutter: Sendable {
  public let tile: Int
  public let stride: Int
  public let small: SmallImagePolicy

  public init(tile: Int, stride: Int, small: SmallImagePolicy) {
    precondition(tile > 0 && stride > 0, "TileCutter: tile and stride must be positive")
    self.tile = tile
    self.stride = stride
    self.small = small
  }

  /// Window starts along an axis of `size` (`size ≥ tile`): 0, stride, 2·stride, … and size − tile.
  public func starts(_ size: Int) -> [Int] {
    var starts = Array(Swift.stride(from: 0, through: size - tile, by: stride))
    if let last = starts.last, last + tile < size { starts.append(size - tile) }
    return starts
  }

  /// Whether `image` yields tiles at all (false only for small images under `.skip`).
  public func accepts(_ image: RGBImage) -> Bool {
    small == .reflect || (image.width >= tile && image.height >= tile)
  }

  /// The tiles of `image`, row by row (empty for a small image under `.skip`).
  public func tiles(of image: RGBImage) -> [RGBImage] {
    guard accepts(image) else { return [] }
    let padded = image.width >= tile && image.height >= tile ? image : padToTile(image)
    var out: [RGBImage] = []
    for y in starts(padded.height) {
      for x in starts(padded.width) { out.append(crop(padded, x: x, y: y)) }
    }
    return out
  }

  private func crop(_ image: RGBImage, x: Int, y: Int) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: tile * tile * 3)
    let rowBytes = tile * 3
    image.pixels.withUnsafeBufferPointer { source in
      pixels.withUnsafeMutableBufferPointer { target in
        for row in 0..<tile {
          let from = ((y + row) * image.width + x) * 3
          target.baseAddress!.advanced(by: row * rowBytes).update(from: source.baseAddress!.advanced(by: from), count: rowBytes)
        }
      }
    }
    return RGBImage(width: tile, height: tile, pixels: pixels)
  }

  /// `image` grown to at least `tile × tile` by reflecting at the bottom and right edges.
  private func padToTile(_ image: RGBImage) -> RGBImage {
    let width = max(image.width, tile)
    let height = max(image.height, tile)
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      let sy = PaddingMode.reflect.sourceIndex(y, size: image.height)!
      for x in 0..<width {
        let sx = PaddingMode.reflect.sourceIndex(x, size: image.width)!
        for c in 0..<3 { pixels[(y * width + x) * 3 + c] = image.pixels[(sy * image.width + sx) * 3 + c] }
      }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
  }
}
