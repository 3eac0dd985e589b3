// Dropout: inverted dropout with a mask from the caller's Philox stream. One 64-bit key is drawn
// from that stream per call; element i's uniform is then word i mod 4 of Philox block i / 4 under
// that key, so the mask is generated in parallel and depends only on the stream's state.
import Kernels

extension Tensor {
  /// Inverted dropout, as PyTorch's `dropout(x, p, training)`; any shape. In training each
  /// element is zeroed with probability `p` and the others are scaled by 1 / (1 − p); backward
  /// multiplies by the same mask. Returns `self` unchanged when not training or when p == 0;
  /// p == 1 gives zeros. `p` must lie in [0, 1] (configurations validate it before training).
  public func dropout(p: Float, training: Bool, using rng: inout PhiloxRandom) -> Tensor {
    precondition(p >= 0 && p <= 1, "dropout: p = \(p) must be in [0, 1]")
    guard training, p > 0 else { return self }
    let key = rng.next()
    let keep: Float = p < 1 ? 1 / (1 - p) : 0
    let mask = Tensor(uninitialized: shape)
    let m = mask.data
    Threading.forEachChunk(count) { range in
      // Chunks start at multiples of 16, so each Philox block serves 4 elements of one chunk.
      var i = range.lowerBound
      while i < range.upperBound {
        let bits = PhiloxRandom.philox(counter: UInt64(i / 4), key: key)
        for j in 0..<min(4, range.upperBound - i) {
          m[i + j] = Float(bits[j] >> 8) * 0x1p-24 < p ? 0 : keep
        }
        i += 4
      }
    }
    let out = Tensor(uninitialized: shape)
    simdZip(count, data, m, out.data) { $0 * $1 }
    return out.recorded("dropout", [self]) { [self] g in
      let target = gradBuffer().data
      simdZip3(count, g.data, mask.data, target, target) { g, m, acc in acc + g * m }
    }
  }
}
