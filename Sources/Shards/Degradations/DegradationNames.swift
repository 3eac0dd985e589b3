// DegradationNames: the command-line spelling of degradations (`--degrade awgn:0-75`), parsed
// into the types of this folder.
import Tensors

/// A degradation name that does not parse.
public struct DegradationError: Error, CustomStringConvertible, Equatable {
  public let description: String
}

/// The names `degradation(named:)` accepts, as shown in its error.
public let degradationNames = "awgn:SIGMA, awgn:LO-HI (σ on 0-255), camera, rain, blur:gaussian, blur:box, blur:motion, jpeg:Q, jpeg:LO-HI, sr4:pool, sr4:bicubic, blur:i2sb-uniform, blur:i2sb-gauss, inpaint:center, inpaint:freeform1020, inpaint:freeform2030, inpaint:freeform3040, haze, haze:BETA, haze:LO-HI (β per unit depth)"

/// The degradation spelled `name`: `awgn:25`, `awgn:0-75`, `camera`, `rain`, `blur:gaussian`,
/// `blur:box`, `blur:motion`, `jpeg:90`, `jpeg:70-95`, `sr4:pool`, `sr4:bicubic` (I2SB's 4×
/// super-resolution), `blur:i2sb-uniform`, `blur:i2sb-gauss` (I2SB's fixed blurs), `inpaint:center`,
/// `inpaint:freeform1020`, `inpaint:freeform2030`, `inpaint:freeform3040` (I2SB's inpainting),
/// `haze` (β in 0.6–1.8), `haze:1.2`, `haze:0.6-3` (a fixed β or a β range, ODCR's synthetic haze).
public func degradation(named name: String) throws -> Degradation {
  let unknown = DegradationError(description: "unknown degradation '\(name)'; valid: \(degradationNames)")
  let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
  switch (parts.first ?? "", parts.count == 2 ? parts[1] : nil) {
  case ("camera", nil): return CameraPipeline()
  case ("rain", nil): return RainStreaks()
  case ("blur", "gaussian"): return Blur.gaussian
  case ("blur", "box"): return Blur.box
  case ("blur", "motion"): return Blur.motion
  case ("sr4", "pool"): return SuperResolution(factor: 4, filter: .pool)
  case ("sr4", "bicubic"): return SuperResolution(factor: 4, filter: .bicubic)
  case ("blur", "i2sb-uniform"): return FixedBlur(.uniform)
  case ("blur", "i2sb-gauss"): return FixedBlur(.gauss)
  case ("inpaint", "center"): return CenterBoxInpainting()
  case ("inpaint", let arg?):
    guard let mask = FreeformMask(named: arg) else { throw unknown }
    return FreeformInpainting(mask)
  case ("awgn", let arg?):
    guard let range = parseRange(arg, Float.init), range.lowerBound >= 0 else { throw unknown }
    return AWGN(sigma: range)
  case ("jpeg", let arg?):
    guard let range = parseRange(arg, Int.init), range.lowerBound >= 1, range.upperBound <= 100 else { throw unknown }
    return JPEGCompression(quality: range)
  case ("haze", nil): return Haze()
  case ("haze", let arg?):
    guard let range = parseRange(arg, Float.init), range.lowerBound >= 0, range.upperBound.isFinite else { throw unknown }
    return Haze(beta: range)
  default: throw unknown
  }
}

/// `V` or `LO-HI` (LO ≤ HI) as a closed range; nil when malformed.
private func parseRange<T: Comparable>(_ text: String, _ parse: (String) -> T?) -> ClosedRange<T>? {
  let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { parse(String($0)) }
  switch bounds.count {
  case 1:
    guard let v = bounds[0], v <= v else { return nil }  // v <= v rejects NaN
    return v...v
  case 2:
    guard let lo = bounds[0], let hi = bounds[1], lo <= hi else { return nil }
    return lo...hi
  default: return nil
  }
}

/// A range as names spell it: `V` for one point, else `LO-HI`; whole numbers without `.0`.
func spelled(_ range: ClosedRange<Float>) -> String {
  let number = { (v: Float) in v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v) }
  return range.lowerBound == range.upperBound ? number(range.lowerBound) : "\(number(range.lowerBound))-\(number(range.upperBound))"
}
