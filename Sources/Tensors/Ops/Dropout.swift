// Dropout: inverted dropout with a mask from the caller's Philox stream. One 64-bit key is drawn
// from that stream per call; element i is dropped when word i mod 4 of Philox block i / 4 under
// that key, read as a uniform in [0, 1) like `PhiloxRandom.uniform()`, is below p. The mask is
// thus generated in parallel (4 blocks per SIMD step) and depends only on the stream's state,
// not on the thread count.
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
    // u = k·2⁻²⁴ < p  ⇔  k < ⌈p·2²⁴⌉ for the 24-bit integer k = word >> 8.
    let threshold = UInt32((p * 0x1p24).rounded(.up))
    let mask = Tensor(uninitialized: shape)
    let m = mask.data
    Threading.forEachChunk(count) { range in
      fillDropoutMask(m, range, key: key, threshold: threshold, keep: keep)
    }
    let out = Tensor(uninitialized: shape)
    simdZip(count, data, m, out.data) { $0 * $1 }
    return out.recorded("dropout", [self]) { [self] g in
      let target = gradBuffer().data
      simdZip3(count, g.data, mask.data, target, target) { g, m, acc in acc + g * m }
    }
  }
}

/// mask[i] = 0 where element i is dropped, `keep` elsewhere, for i in `range` (which starts at a
/// multiple of 4, so Philox blocks never straddle two ranges).
private func fillDropoutMask(
  _ mask: UnsafeMutablePointer<Float>, _ range: Range<Int>, key: UInt64, threshold: UInt32, keep: Float
) {
  let bits = UnsafeMutableRawPointer(mask).assumingMemoryBound(to: UInt32.self)
  let keepBits = Words(repeating: keep.bitPattern)
  var i = range.lowerBound
  while i + 16 <= range.upperBound {
    // Word j of block i / 4 + lane belongs to element i + 4·lane + j; the selects give the
    // bit patterns of `keep` or 0.0.
    let (w0, w1, w2, w3) = philox4(firstBlock: UInt64(i / 4), key: key)
    let v0 = keepBits.replacing(with: 0, where: w0 &>> 8 .< threshold)
    let v1 = keepBits.replacing(with: 0, where: w1 &>> 8 .< threshold)
    let v2 = keepBits.replacing(with: 0, where: w2 &>> 8 .< threshold)
    let v3 = keepBits.replacing(with: 0, where: w3 &>> 8 .< threshold)
    for lane in 0..<4 {
      bits[i + 4 * lane] = v0[lane]
      bits[i + 4 * lane + 1] = v1[lane]
      bits[i + 4 * lane + 2] = v2[lane]
      bits[i + 4 * lane + 3] = v3[lane]
    }
    i += 16
  }
  while i < range.upperBound {
    let words = PhiloxRandom.philox(counter: UInt64(i / 4), key: key)
    for j in 0..<min(4, range.upperBound - i) { mask[i + j] = words[j] >> 8 < threshold ? 0 : keep }
    i += 4
  }
}

private typealias Words = SIMD4<UInt32>

/// `PhiloxRandom.philox` on the 4 consecutive blocks `firstBlock ..< firstBlock + 4` at once
/// (4 lanes keep every value in one SSE register): word j of block firstBlock + lane is lane
/// `lane` of the j-th vector returned.
@inline(__always)
private func philox4(firstBlock: UInt64, key: UInt64) -> (Words, Words, Words, Words) {
  let lo = UInt32(truncatingIfNeeded: firstBlock), hi = UInt32(truncatingIfNeeded: firstBlock >> 32)
  var c0 = Words(repeating: lo) &+ Words(0, 1, 2, 3)
  var c1 = Words(repeating: hi).replacing(with: hi &+ 1, where: c0 .< lo)  // carry into the high word
  var c2 = Words(repeating: 0), c3 = Words(repeating: 0)
  var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
  for _ in 0..<10 {
    // The round of Salmon et al. with the multipliers of `PhiloxRandom`.
    let p0 = SIMD4<UInt64>(truncatingIfNeeded: c0) &* 0xD251_1F53
    let p1 = SIMD4<UInt64>(truncatingIfNeeded: c2) &* 0xCD9E_8D57
    c0 = Words(truncatingIfNeeded: p1 &>> 32) ^ c1 ^ k0
    c2 = Words(truncatingIfNeeded: p0 &>> 32) ^ c3 ^ k1
    c1 = Words(truncatingIfNeeded: p1)
    c3 = Words(truncatingIfNeeded: p0)
    k0 &+= 0x9E37_79B9
    k1 &+= 0xBB67_AE85
  }
  return (c0, c1, c2, c3)
}
