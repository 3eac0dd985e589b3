// SceneDepth: the procedural depth map behind synthetic haze (algorithms.md §6.2): a vertical
// ramp, far at the top like ground running to the horizon, with a few soft-edged ellipses and
// rectangles standing nearer than the ground behind them. Sizes and edge softness scale with the
// image's shorter side, so a tile of any size gets the same kind of scene.
import Tensors

/// Draws depth maps d ∈ [0, 1] (`height × width`, row-major; 1 = farthest), smooth everywhere:
/// the ramp is linear and each object's edge is a smoothstep about 8 % of the shorter side wide.
public struct SceneDepth: Sendable {
  /// Depth of the top row.
  public let far: ClosedRange<Float>
  /// Depth of the bottom row.
  public let near: ClosedRange<Float>
  /// Number of object layers.
  public let objects: ClosedRange<Int>
  /// An object's depth as a fraction of the ground's depth at its bottom edge.
  public let objectFraction: ClosedRange<Float>

  public init(far: ClosedRange<Float> = 0.85...1, near: ClosedRange<Float> = 0...0.3, objects: ClosedRange<Int> = 2...5,
              objectFraction: ClosedRange<Float> = 0.5...0.95) {
    precondition(far.lowerBound >= 0 && far.upperBound <= 1 && near.lowerBound >= 0 && near.upperBound <= 1,
                 "SceneDepth: ramp depths \(far), \(near) outside [0, 1]")
    precondition(objects.lowerBound >= 0 && objectFraction.lowerBound >= 0 && objectFraction.upperBound <= 1,
                 "SceneDepth: objects \(objects) or fraction \(objectFraction) out of range")
    self.far = far
    self.near = near
    self.objects = objects
    self.objectFraction = objectFraction
  }

  /// One depth map of `height × width` values.
  public func draw(width: Int, height: Int, using rng: inout PhiloxRandom) -> [Float] {
    let top = rng.uniform(far.lowerBound, far.upperBound), bottom = rng.uniform(near.lowerBound, near.upperBound)
    let ground = { (y: Float) in top + (bottom - top) * min(max(y / Float(max(height - 1, 1)), 0), 1) }
    var depth = [Float](repeating: 0, count: width * height)
    for y in 0..<height {
      let d = ground(Float(y))
      for x in 0..<width { depth[y * width + x] = d }
    }
    let side = Float(min(width, height))
    let count = objects.lowerBound + rng.int(below: objects.count)
    var layers: [Layer] = (0..<count).map { _ in
      let rx = rng.uniform(0.08, 0.3) * side, ry = rng.uniform(0.08, 0.3) * side
      let cx = rng.uniform(0, Float(width)), cy = rng.uniform(0.2, 1) * Float(height)
      let fraction = rng.uniform(objectFraction.lowerBound, objectFraction.upperBound)
      let isEllipse = rng.uniform() < 0.5
      return Layer(cx: cx, cy: cy, rx: rx, ry: ry, isEllipse: isEllipse, depth: fraction * ground(cy + ry))
    }
    layers.sort { $0.depth > $1.depth }  // far to near: nearer objects cover farther ones
    let softness = 0.08 * side + 1
    for layer in layers { layer.paint(&depth, width: width, height: height, softness: softness) }
    return depth
  }

  /// One object: an axis-aligned ellipse or rectangle of half-sizes (rx, ry) at a constant depth.
  private struct Layer {
    let cx, cy, rx, ry: Float
    let isEllipse: Bool
    let depth: Float

    /// Blends the layer in: d ← d + α·(depth − d), α = smoothstep of the signed distance to the
    /// edge (1 inside, 0 outside, `softness` pixels wide across the edge).
    func paint(_ map: inout [Float], width: Int, height: Int, softness: Float) {
      let reach = softness / 2
      let x0 = max(0, Int((cx - rx - reach).rounded(.down))), x1 = min(width - 1, Int((cx + rx + reach).rounded(.up)))
      let y0 = max(0, Int((cy - ry - reach).rounded(.down))), y1 = min(height - 1, Int((cy + ry + reach).rounded(.up)))
      guard x0 <= x1, y0 <= y1 else { return }
      for y in y0...y1 {
        for x in x0...x1 {
          let dx = Float(x) - cx, dy = Float(y) - cy
          // Signed distance in pixels (negative inside), 1-Lipschitz for both shapes.
          let distance = isEllipse
            ? (((dx / rx) * (dx / rx) + (dy / ry) * (dy / ry)).squareRoot() - 1) * min(rx, ry)
            : max(abs(dx) - rx, abs(dy) - ry)
          let u = min(max(0.5 - distance / softness, 0), 1)
          let alpha = u * u * (3 - 2 * u)
          map[y * width + x] += alpha * (depth - map[y * width + x])
        }
      }
    }
  }
}
