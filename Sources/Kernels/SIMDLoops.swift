// SIMDLoops: the vectorised, threaded loops every element-wise op is written with. An op
// passes one closure over SIMD16<Float>; the loop handles threading, whole vectors and the
// ragged tail (padded with zeros, results past the end discarded). Inlinable, so that in a
// release build the closure is inlined into the loop.
import Dispatch

public typealias Vec = SIMD16<Float>

@inlinable @inline(__always)
func loadVec(_ p: UnsafePointer<Float>, _ count: Int) -> Vec {
  if count >= 16 { return UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
  var v = Vec(repeating: 0)
  for j in 0..<count { v[j] = p[j] }
  return v
}

@inlinable @inline(__always)
func storeVec(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
  if count >= 16 {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    return
  }
  for j in 0..<count { p[j] = v[j] }
}

/// y[i] = f(x[i]) for i in 0..<n. `y` may equal `x`.
@inlinable @inline(__always)
public func simdMap(
  _ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ f: (Vec) -> Vec
) {
  Threading.forEachChunk(n) { r in
    var i = r.lowerBound
    while i < r.upperBound {
      let c = min(16, r.upperBound - i)
      storeVec(f(loadVec(x + i, c)), y + i, c)
      i += 16
    }
  }
}

/// out[i] = f(a[i], b[i]). `out` may equal `a` or `b`.
@inlinable @inline(__always)
public func simdZip(
  _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
  _ f: (Vec, Vec) -> Vec
) {
  Threading.forEachChunk(n) { r in
    var i = r.lowerBound
    while i < r.upperBound {
      let c = min(16, r.upperBound - i)
      storeVec(f(loadVec(a + i, c), loadVec(b + i, c)), out + i, c)
      i += 16
    }
  }
}

/// out[i] = f(a[i], b[i], c[i]) — for backward passes that combine a gradient with two saved
/// tensors, or accumulate (`out` = `c`, f returns c + …).
@inlinable @inline(__always)
public func simdZip3(
  _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
  _ out: UnsafeMutablePointer<Float>, _ f: (Vec, Vec, Vec) -> Vec
) {
  Threading.forEachChunk(n) { r in
    var i = r.lowerBound
    while i < r.upperBound {
      let k = min(16, r.upperBound - i)
      storeVec(f(loadVec(a + i, k), loadVec(b + i, k), loadVec(c + i, k)), out + i, k)
      i += 16
    }
  }
}

/// out[i] = f(a[i], b[i], c[i], d[i]).
@inlinable @inline(__always)
public func simdZip4(
  _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
  _ d: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ f: (Vec, Vec, Vec, Vec) -> Vec
) {
  Threading.forEachChunk(n) { r in
    var i = r.lowerBound
    while i < r.upperBound {
      let k = min(16, r.upperBound - i)
      storeVec(
        f(loadVec(a + i, k), loadVec(b + i, k), loadVec(c + i, k), loadVec(d + i, k)), out + i, k)
      i += 16
    }
  }
}

/// Σ f(x[i]) in Double per chunk (float32 partial sums per vector lane, then Double), threaded.
@inlinable @inline(__always)
public func simdSum(_ n: Int, _ x: UnsafePointer<Float>, _ f: (Vec) -> Vec = { $0 }) -> Double {
  simdZipSum(n, x, x) { v, _ in f(v) }
}

/// Σ f(a[i], b[i]) (losses, dot products) with the accumulation of `simdSum`: float32 lanes over
/// blocks of 1024 elements, folded into Double; threaded over large n.
@inlinable @inline(__always)
public func simdZipSum(
  _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ f: (Vec, Vec) -> Vec
) -> Double {
  let chunks = max(1, min(Threading.current, n / 32_768))
  let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
  defer { partial.deallocate() }
  let step = ((n + chunks - 1) / chunks + 15) & ~15
  func work(_ ci: Int) {
    let lo = ci * step
    let hi = min(n, lo + step)
    var total = 0.0
    var i = lo
    while i < hi {
      // Blocks of 1024 floats in float32 lanes, then folded into a Double.
      var acc = Vec(repeating: 0)
      let blockEnd = min(hi, i + 1024)
      while i < blockEnd {
        let c = min(16, hi - i)
        var v = f(loadVec(a + i, c), loadVec(b + i, c))
        if c < 16 { for j in c..<16 { v[j] = 0 } }
        acc += v
        i += 16
      }
      total += Double(acc.sum())
    }
    partial[ci] = total
  }
  if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks) { work($0) } }
  var total = 0.0
  for ci in 0..<chunks { total += partial[ci] }
  return total
}

/// x[i] *= s.
@inlinable
public func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by s: Float) {
  simdMap(n, x, x) { $0 * s }
}

/// acc[i] += x[i].
@inlinable
public func accumulate(_ x: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
  simdZip(n, x, acc, acc) { $0 + $1 }
}
