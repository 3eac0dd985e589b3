// SIMDLog: natural logarithm on 16 floats at once, for log, pow, log-softmax and the losses.
// Cephes `logf` (frexp, a degree-8 polynomial on [√½ − 1, √2 − 1], ln 2 split in two), with
// subnormals rescaled first and IEEE special values (−∞ at 0, NaN below 0, +∞ at +∞) restored.

/// ln(x) for each lane; within 2 ulp of the exact value over all positive floats.
@inlinable @inline(__always)
public func vlog(_ x0: Vec) -> Vec {
  // Subnormals: multiply by 2²³ so the exponent field holds the whole scale.
  let tiny = x0 .< Vec(repeating: .leastNormalMagnitude)
  let x = x0.replacing(with: x0 * 8_388_608, where: tiny)
  let bits = unsafeBitCast(x, to: SIMD16<Int32>.self)
  // x = m · 2^e with m in [0.5, 1).
  var e = Vec((bits &>> 23) & 0xff &- 126)
  e = e.replacing(with: e - 23, where: tiny)
  var m = unsafeBitCast((bits & 0x007f_ffff) | 0x3f00_0000, to: Vec.self)
  // Shift m to [√½, √2) and take f = m − 1.
  let low = m .< Vec(repeating: 0.707106781186547524)
  e = e.replacing(with: e - 1, where: low)
  m = m.replacing(with: m + m, where: low) - 1
  let z = m * m
  var p = Vec(repeating: 7.0376836292e-2)
  p = p * m - 1.1514610310e-1
  p = p * m + 1.1676998740e-1
  p = p * m - 1.2420140846e-1
  p = p * m + 1.4249322787e-1
  p = p * m - 1.6668057665e-1
  p = p * m + 2.0000714765e-1
  p = p * m - 2.4999993993e-1
  p = p * m + 3.3333331174e-1
  var y = p * m * z
  y += e * -2.12194440e-4
  y -= 0.5 * z
  var r = m + y
  r += e * 0.693359375
  r = r.replacing(with: -.infinity, where: x0 .== 0)
  r = r.replacing(with: .infinity, where: x0 .== .infinity)
  return r.replacing(with: .nan, where: .!(x0 .>= 0))  // negative or NaN
}

/// ln(1 + u) for each lane, accurate also for tiny u (Goldberg's correction: the rounding of
/// 1 + u is divided out), for u > −1.
@inlinable @inline(__always)
public func vlog1p(_ u: Vec) -> Vec {
  let w = 1 + u
  let d = w - 1
  return (vlog(w) * (u / d)).replacing(with: u, where: d .== 0)
}
