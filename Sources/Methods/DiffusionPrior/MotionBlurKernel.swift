// MotionBlurKernel: the seeded random motion-blur kernel of DPS's motion deblurring (algorithms.md
// §5.7: 61×61, intensity 0.5). DPS draws it with the `motionblur` package, a camera-shake
// trajectory in the manner of Boracchi & Foi (2012); this is our own version of that model: a
// 2-D path of 64 equal-length steps whose direction drifts with Gaussian jitter, is pulled back
// toward the start (centripetal term) and now and then reverses (a big shake), `intensity` ∈
// [0, 1] scaling how restless it is; the path is centred, splatted bilinearly onto the grid and
// normalised to sum 1.
import Foundation
import Tensors

/// One random motion-blur kernel.
public enum MotionBlurKernel {
  /// `size` × `size` taps (odd), summing to 1, drawn from `rng`.
  public static func make(size: Int, intensity: Float, using rng: inout PhiloxRandom) -> [Float] {
    precondition(size % 2 == 1 && size >= 3, "MotionBlurKernel: the size must be odd and at least 3")
    let steps = 64
    let length = 0.6 * Float(size - 1)
    let stepLength = length / Float(steps - 1)
    let centripetal = 0.7 * rng.uniform(), jitter = 10 * rng.uniform(), shakes = 0.2 * rng.uniform()
    let anxiety = intensity * rng.uniform()
    let angle = 2 * Float.pi * rng.uniform()
    var velocity = (stepLength * Foundation.cos(angle), stepLength * Foundation.sin(angle))
    var path = [(Float(0), Float(0))]
    for _ in 1..<steps {
      let last = path[path.count - 1]
      var next = velocity
      if rng.uniform() < shakes * anxiety {  // a big shake: turn back, roughly
        let turn = Float.pi + (rng.uniform() - 0.5)
        next = (2 * (velocity.0 * Foundation.cos(turn) - velocity.1 * Foundation.sin(turn)),
                2 * (velocity.0 * Foundation.sin(turn) + velocity.1 * Foundation.cos(turn)))
      }
      let (gx, gy) = (rng.normal(), rng.normal())
      velocity = (next.0 + anxiety * (jitter * gx - centripetal * last.0) * stepLength,
                  next.1 + anxiety * (jitter * gy - centripetal * last.1) * stepLength)
      let speed = max(1e-6, (velocity.0 * velocity.0 + velocity.1 * velocity.1).squareRoot())
      velocity = (velocity.0 / speed * stepLength, velocity.1 / speed * stepLength)
      path.append((last.0 + velocity.0, last.1 + velocity.1))
    }
    // Centre the path's bounding box on the kernel's centre, then splat bilinearly.
    let (xs, ys) = (path.map(\.0), path.map(\.1))
    let shift = (Float(size / 2) - (xs.min()! + xs.max()!) / 2, Float(size / 2) - (ys.min()! + ys.max()!) / 2)
    var taps = [Float](repeating: 0, count: size * size)
    for (x, y) in path {
      let (px, py) = (min(max(x + shift.0, 0), Float(size - 1)), min(max(y + shift.1, 0), Float(size - 1)))
      let (x0, y0) = (min(Int(px), size - 2), min(Int(py), size - 2))
      let (fx, fy) = (px - Float(x0), py - Float(y0))
      taps[y0 * size + x0] += (1 - fx) * (1 - fy)
      taps[y0 * size + x0 + 1] += fx * (1 - fy)
      taps[(y0 + 1) * size + x0] += (1 - fx) * fy
      taps[(y0 + 1) * size + x0 + 1] += fx * fy
    }
    let sum = taps.reduce(0, +)
    return taps.map { $0 / sum }
  }
}
