// HazeTests: the haze degradation is I = J·t + A(1 − t) for the transmission and airlight it
// drew, stays in [0, 1], gets brighter and flatter as β grows, comes only from its stream; the
// scene depth is smooth, in [0, 1] and far at the top; the loader applies it by name to clean
// crops; its names parse.
import Foundation
@testable import Shards
import Tensors
import XCTest

final class HazeTests: XCTestCase {
  /// A colour picture with dark and bright parts and a pattern, values in [0.05, 0.95].
  private func scene(width: Int, height: Int) -> FloatImage {
    var p = [Float]()
    for y in 0..<height {
      for x in 0..<width {
        let u = Float(x) / Float(width - 1), v = Float(y) / Float(height - 1)
        let pattern: Float = (x / 4 + y / 4) % 2 == 0 ? 0.2 : 0
        p += [0.05 + 0.7 * u + pattern, 0.05 + 0.6 * v + pattern, 0.05 + 0.35 * (u + v) + pattern * 0.5]
      }
    }
    return FloatImage(width: width, height: height, pixels: p)
  }

  private func meanAndStd(_ v: [Float]) -> (Float, Float) {
    let m = v.reduce(0, +) / Float(v.count)
    return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Float(v.count)).squareRoot())
  }

  func testHazeIsTheScatteringModelOfItsDraw() {
    let clean = scene(width: 40, height: 32)
    for seed: UInt64 in 0..<5 {
      var rng = PhiloxRandom(seed: seed), again = PhiloxRandom(seed: seed)
      let (hazy, t, a) = Haze().hazed(clean, using: &rng)
      XCTAssertEqual(Haze().apply(clean, using: &again), hazy, "apply is hazed(...).image")
      XCTAssertEqual(t.count, 40 * 32)
      XCTAssert((0.7...1).contains(a), "A = \(a)")
      // d ∈ [0, 1] and β ≤ 1.8, so t = exp(−βd) ∈ [e^−1.8, 1].
      XCTAssert(t.allSatisfy { $0 >= Foundation.exp(-1.8) - 1e-6 && $0 <= 1 }, "t range \(t.min()!)…\(t.max()!)")
      for p in 0..<t.count {
        for c in 0..<3 {
          XCTAssertEqual(hazy.pixels[p * 3 + c], clean.pixels[p * 3 + c] * t[p] + a * (1 - t[p]), accuracy: 1e-6)
        }
      }
      XCTAssert(hazy.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
    // With β fixed at 1 the transmission gives the depth back: d = −ln t ∈ [0, 1], varying.
    var rng = PhiloxRandom(seed: 9)
    let depth = Haze(beta: 1...1).hazed(clean, using: &rng).transmission.map { -Foundation.log($0) }
    XCTAssert(depth.allSatisfy { $0 >= -1e-6 && $0 <= 1 + 1e-6 })
    XCTAssertGreaterThan(depth.max()! - depth.min()!, 0.3)
  }

  /// The same stream gives the same depth and airlight, so only β differs: at β = 1.8 the image
  /// is brighter and has less contrast than at β = 0.6, and every transmission is lower or equal.
  func testLargerBetaIsHazier() {
    let clean = scene(width: 48, height: 48)
    for seed: UInt64 in 0..<8 {
      var light = PhiloxRandom(seed: seed), dense = PhiloxRandom(seed: seed)
      let thin = Haze(beta: 0.6...0.6).hazed(clean, using: &light)
      let thick = Haze(beta: 1.8...1.8).hazed(clean, using: &dense)
      XCTAssertEqual(thin.airlight, thick.airlight)
      XCTAssert(zip(thick.transmission, thin.transmission).allSatisfy { $0 <= $1 })
      let (m0, s0) = meanAndStd(clean.pixels), (m1, s1) = meanAndStd(thin.image.pixels), (m2, s2) = meanAndStd(thick.image.pixels)
      XCTAssert(m0 < m1 && m1 < m2, "means \(m0) \(m1) \(m2), seed \(seed)")
      XCTAssert(s0 > s1 && s1 > s2, "contrast \(s0) \(s1) \(s2), seed \(seed)")
    }
  }

  func testHazeComesOnlyFromItsStream() {
    let clean = scene(width: 32, height: 24)
    var a = PhiloxRandom(seed: 11), b = PhiloxRandom(seed: 11), c = PhiloxRandom(seed: 12)
    let first = Haze().apply(clean, using: &a)
    XCTAssertEqual(first, Haze().apply(clean, using: &b))
    XCTAssertNotEqual(first, Haze().apply(clean, using: &c))
    XCTAssertEqual(a, b, "the same draws leave the streams in the same state")
  }

  /// Depth maps stay in [0, 1], change by at most 1.5 / softness between neighbouring pixels (the
  /// smoothstep edge's steepest slope; the ramp's is far smaller) and are far at the top: the top
  /// quarter deeper than the bottom quarter on average.
  func testSceneDepthIsSmoothAndFarAtTheTop() {
    let (w, h) = (64, 48)
    let steepest = 1.5 / (0.08 * Float(min(w, h)) + 1)
    var topMinusBottom: Float = 0
    var rng = PhiloxRandom(seed: 3)
    for _ in 0..<20 {
      let d = SceneDepth().draw(width: w, height: h, using: &rng)
      XCTAssert(d.allSatisfy { $0 >= 0 && $0 <= 1 })
      var largest: Float = 0
      for y in 0..<h {
        for x in 0..<w {
          if x + 1 < w { largest = max(largest, abs(d[y * w + x + 1] - d[y * w + x])) }
          if y + 1 < h { largest = max(largest, abs(d[(y + 1) * w + x] - d[y * w + x])) }
        }
      }
      XCTAssertLessThanOrEqual(largest, steepest + 1e-5)
      let rows = { (r: Range<Int>) in r.flatMap { y in d[(y * w)..<(y * w + w)] }.reduce(0, +) / Float(r.count * w) }
      topMinusBottom += (rows(0..<(h / 4)) - rows((h - h / 4)..<h)) / 20
    }
    XCTAssertGreaterThan(topMinusBottom, 0.4)
    // Objects stand in front of the ramp: some maps are not a pure ramp.
    var one = PhiloxRandom(seed: 4)
    let d = SceneDepth().draw(width: w, height: h, using: &one)
    let rowSpread = (0..<h).map { y in d[(y * w)..<(y * w + w)].max()! - d[(y * w)..<(y * w + w)].min()! }
    XCTAssertGreaterThan(rowSpread.max()!, 0.1)
  }

  /// `data.degrade: haze` on pair shards stored clean: each input is its own crop hazed, so pulled
  /// toward a grey airlight ≥ 0.7: brighter than the random target on average, and flatter.
  func testLoaderHazesCleanCropsOnTheFly() throws {
    let clean = InMemoryTiles.random(count: 4, width: 24, height: 24, input: false, target: true)
    let loader = try BatchLoader(source: clean, kind: .degradedPairs(degradation: "haze"), name: "pairs", seed: 5,
                                 options: LoaderOptions(batchSize: 4, patch: 16))
    let batch = try loader.next()
    let input = try XCTUnwrap(batch.input), target = try XCTUnwrap(batch.target)
    for i in 0..<4 {
      let plane = 3 * 16 * 16
      let x = Array(UnsafeBufferPointer(start: input.data + i * plane, count: plane))
      let y = Array(UnsafeBufferPointer(start: target.data + i * plane, count: plane))
      XCTAssertGreaterThan(meanAndStd(x).0, meanAndStd(y).0)
      XCTAssertLessThan(meanAndStd(x).1, meanAndStd(y).1)
      XCTAssert(x.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
  }

  func testHazeNamesParse() throws {
    XCTAssertEqual((try degradation(named: "haze") as? Haze)?.beta, Haze.defaultBeta)
    XCTAssertEqual((try degradation(named: "haze:1.2") as? Haze)?.beta, 1.2...1.2)
    XCTAssertEqual((try degradation(named: "haze:0.5-3") as? Haze)?.beta, 0.5...3)
    for name in ["haze", "haze:1.2", "haze:0.5-3", "haze:2"] { XCTAssertEqual(try degradation(named: name).name, name) }
    XCTAssertEqual(try degradation(named: "haze:0.6-1.8").name, "haze")
    for bad in ["haze:x", "haze:2-1", "haze:-1", "haze:nan", "haze:inf", "hazy"] {
      XCTAssertThrowsError(try degradation(named: bad), bad) { error in
        XCTAssert("\(error)".contains("'\(bad)'") && "\(error)".contains("haze:LO-HI"), "\(error)")
      }
    }
  }
}
