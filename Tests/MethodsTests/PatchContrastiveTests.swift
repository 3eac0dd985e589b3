// PatchContrastiveTests: the pieces of CUT and ODCR that are maths (algorithms.md §2.4, §3.2–3.4):
// PatchNCE against a hand-computed example with its −10 self-mask, the weighted PatchNCE against
// eqs. 12–14 written out in loops and its gradient against finite differences, the Stiefel
// retraction against an eigen-decomposition reference, orthogonality kept over 1,000 random
// Riemannian steps through float32 storage, and the shared patch positions.
import Foundation
@testable import Methods
import Tensors
import XCTest

final class PatchContrastiveTests: XCTestCase {
  /// q = [[1, 0], [0, 1]], k = [[0.6, 0.8], [1, 0]] (one image, two patches), τ = 1:
  /// row 0 logits [q₀·k₀, −10 (self), q₀·k₁] = [0.6, −10, 1]; row 1 [q₁·k₁, q₁·k₀, −10] = [0, 0.8, −10].
  func testPatchNCEByHand() throws {
    let q = try Tensor(shape: [1, 2, 2], values: [1, 0, 0, 1]), k = try Tensor(shape: [1, 2, 2], values: [0.6, 0.8, 1, 0])
    let row0 = -0.6 + Foundation.log(Foundation.exp(0.6) + Foundation.exp(-10) + Foundation.exp(1))
    let row1 = 0 + Foundation.log(Foundation.exp(0) + Foundation.exp(0.8) + Foundation.exp(-10))
    XCTAssertEqual(Double(try patchNCELoss(queries: q, keys: k, temperature: 1).item), (row0 + row1) / 2, accuracy: 1e-5)
    // τ = 0.07 divides every logit, the −10 included (as CUT's code does).
    let t = 0.07
    let r0 = -0.6 / t + Foundation.log(Foundation.exp(0.6 / t) + Foundation.exp(-10 / t) + Foundation.exp(1 / t))
    let r1 = Foundation.log(Foundation.exp(0) + Foundation.exp(0.8 / t) + Foundation.exp(-10 / t))
    XCTAssertEqual(Double(try patchNCELoss(queries: q, keys: k, temperature: 0.07).item), (r0 + r1) / 2, accuracy: 1e-4)
    // Keys are detached: the gradient reaches the queries only.
    let (queries, keys) = (q.detached(), k.detached())
    queries.requiresGrad = true
    keys.requiresGrad = true
    try patchNCELoss(queries: queries, keys: keys, temperature: 1).backward()
    XCTAssertNotNil(queries.grad)
    XCTAssertNil(keys.grad)
  }

  /// Unit-length rows `[B, S, D]`.
  func unitRows(_ shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    let x = Tensor.normal(shape, using: &rng)
    return try x / x.square().sum(axes: [2], keepDims: true).sqrt()
  }

  /// eqs. 9–14 in loops (Double), one image.
  func weightedByLoops(_ z: [[Double]], _ hazy: [[Double]], _ clear: [[Double]], _ th: [Double], _ tc: [Double], tau: Double,
                       swapped: Bool) -> Double {
    func softmaxAbs(_ theta: [Double], _ v: [Double]) -> [Double] {
      let a = zip(theta, v).map { abs($0 * $1) }
      let m = a.max()!, e = a.map { Foundation.exp($0 - m) }, s = e.reduce(0, +)
      return e.map { $0 / s }
    }
    func l(_ w: [Double], _ a: [Double], _ b: [Double]) -> Double { Foundation.exp((0..<a.count).reduce(0.0) { $0 + w[$1] * b[$1] * a[$1] } / tau) }
    var total = 0.0
    for i in z.indices {
      let wh = softmaxAbs(th, z[i]), wc = softmaxAbs(tc, z[i])
      let ones = [Double](repeating: 1, count: wh.count), oneMinusWh = wh.map { 1 - $0 }, oneMinusWc = wc.map { 1 - $0 }
      let (toHazy, awayFromHazy) = swapped ? (oneMinusWh, wh) : (wh, oneMinusWh)
      let p = l(toHazy, z[i], hazy[i]) + clear.reduce(0.0) { $0 + l(wc, z[i], $1) }
      let n = l(awayFromHazy, z[i], hazy[i]) + hazy.indices.filter { $0 != i }.reduce(0.0) { $0 + l(ones, z[i], hazy[$1]) }
        + clear.reduce(0.0) { $0 + l(oneMinusWc, z[i], $1) }
      total += -Foundation.log(p / (p + n))
    }
    return total / Double(z.count)
  }

  func testWeightedPatchNCEMatchesItsEquationsAndItsGradient() throws {
    var rng = PhiloxRandom(seed: 3)
    let (s, d, tau): (Int, Int, Float) = (3, 4, 0.5)
    let z = try unitRows([1, s, d], using: &rng), hazy = try unitRows([1, s, d], using: &rng), clear = try unitRows([1, s, d], using: &rng)
    let th = Tensor.normal([d], using: &rng), tc = Tensor.normal([d], using: &rng)
    func rows(_ t: Tensor) -> [[Double]] { (0..<s).map { i in (0..<d).map { Double(t.data[i * d + $0]) } } }
    for reading in ChannelWeightReading.allCases {
      let ours = try weightedPatchNCELoss(queries: z, hazy: hazy, clear: clear, thetaHazy: th, thetaClear: tc, temperature: tau, reading: reading)
      let loops = weightedByLoops(rows(z), rows(hazy), rows(clear), th.values.map(Double.init), tc.values.map(Double.init),
                                  tau: Double(tau), swapped: reading == .swapped)
      XCTAssertEqual(Double(ours.item), loops, accuracy: 1e-4, "\(reading)")
      // ∂L/∂z along random directions against central differences of the loop version.
      let leaf = z.detached()
      leaf.requiresGrad = true
      try weightedPatchNCELoss(queries: leaf, hazy: hazy, clear: clear, thetaHazy: th, thetaClear: tc, temperature: tau, reading: reading).backward()
      for trial in 0..<3 {
        var directions = PhiloxRandom(seed: UInt64(10 + trial))
        let v = Tensor.normal(z.shape, using: &directions)
        let h = 1e-4
        func at(_ sign: Double) -> Double {
          let moved = (0..<s).map { i in (0..<d).map { Double(z.data[i * d + $0]) + sign * h * Double(v.data[i * d + $0]) } }
          return weightedByLoops(moved, rows(hazy), rows(clear), th.values.map(Double.init), tc.values.map(Double.init),
                                 tau: Double(tau), swapped: reading == .swapped)
        }
        let numeric = (at(1) - at(-1)) / (2 * h)
        let analytic = zip(leaf.grad!.values, v.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(analytic, numeric, accuracy: 1e-3 * max(1, abs(numeric)), "\(reading) direction \(trial)")
      }
    }
  }

  /// A symmetric matrix's eigen-decomposition by cyclic Jacobi rotations (the reference).
  func jacobiInverseSquareRoot(_ a: DoubleMatrix) -> DoubleMatrix {
    let n = a.rows
    var m = a, v = DoubleMatrix.identity(n)
    for _ in 0..<100 {
      var off = 0.0
      for p in 0..<n { for q in 0..<n where p != q { off += m[p, q] * m[p, q] } }
      if off < 1e-26 { break }
      for p in 0..<n {
        for q in (p + 1)..<n where abs(m[p, q]) > 1e-300 {
          let theta = (m[q, q] - m[p, p]) / (2 * m[p, q])
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), sn = t * c
          for k in 0..<n {
            let (mkp, mkq) = (m[k, p], m[k, q])
            m[k, p] = c * mkp - sn * mkq
            m[k, q] = sn * mkp + c * mkq
          }
          for k in 0..<n {
            let (mpk, mqk) = (m[p, k], m[q, k])
            m[p, k] = c * mpk - sn * mqk
            m[q, k] = sn * mpk + c * mqk
          }
          for k in 0..<n {
            let (vkp, vkq) = (v[k, p], v[k, q])
            v[k, p] = c * vkp - sn * vkq
            v[k, q] = sn * vkp + c * vkq
          }
        }
      }
    }
    var scaled = v
    for i in 0..<n { for j in 0..<n { scaled[i, j] = v[i, j] / m[j, j].squareRoot() } }
    return scaled * v.transposed
  }

  func gaussian(_ rows: Int, _ columns: Int, using rng: inout PhiloxRandom) -> DoubleMatrix {
    DoubleMatrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Double(rng.normal()) })
  }

  func testRetractionMatchesAnEigenDecompositionReference() {
    var rng = PhiloxRandom(seed: 5)
    let theta = StiefelManifold.orthonormalized(gaussian(12, 5, using: &rng))
    XCTAssertLessThan(StiefelManifold.orthogonalityError(theta), 1e-12)
    let grad = StiefelManifold.riemannianGradient(theta, euclidean: gaussian(12, 5, using: &rng))
    // The Riemannian gradient is tangent: Θᵀ·grad is skew-symmetric.
    let product = theta.transposed * grad
    XCTAssertLessThan((product + product.transposed).norm, 1e-12)
    let xi = -0.3 * grad
    let a = DoubleMatrix.identity(5) + xi.transposed * xi
    let ours = StiefelManifold.inverseSquareRoot(a), reference = jacobiInverseSquareRoot(a)
    XCTAssertLessThan((ours - reference).norm, 1e-10)
    // The step lands on the manifold and equals (Θ + ξ)(I + ξᵀξ)^(−1/2) of eq. 6.
    let stepped = StiefelManifold.step(theta, euclidean: grad, rate: 0.3)  // a tangent E is its own projection
    let expected = (theta + xi) * reference
    XCTAssertLessThan((stepped - expected).norm, 1e-9)
  }

  /// 1,000 random Riemannian steps, each stored as float32 as the heads' weights are: ‖ΘᵀΘ − I‖
  /// stays below 1e-5 throughout.
  func testOrthogonalityHoldsOverAThousandStepsThroughFloatStorage() {
    var rng = PhiloxRandom(seed: 6)
    var theta = StiefelManifold.orthonormalized(gaussian(16, 8, using: &rng))
    var worst = 0.0
    for _ in 0..<1000 {
      theta = StiefelManifold.step(theta, euclidean: gaussian(16, 8, using: &rng), rate: 0.01)
      theta.values = theta.values.map { Double(Float($0)) }
      worst = max(worst, StiefelManifold.orthogonalityError(theta))
    }
    XCTAssertLessThan(worst, 1e-5)
  }

  func testPatchPositionsAreSharedAndGatherTheirFeatures() throws {
    var rng = PhiloxRandom(seed: 7)
    let positions = PatchPositions(height: 3, width: 4, count: 5, using: &rng)
    XCTAssertEqual(positions.indices.count, 5)
    XCTAssertEqual(Set(positions.indices).count, 5)
    XCTAssertEqual(PatchPositions(height: 2, width: 2, count: 9, using: &rng).indices.sorted(), [0, 1, 2, 3])
    let features = Tensor.uniform([2, 3, 3, 4], using: &rng)
    let picked = try positions.gather(features)
    XCTAssertEqual(picked.shape, [2, 5, 3])
    for b in 0..<2 {
      for (i, p) in positions.indices.enumerated() {
        for c in 0..<3 { XCTAssertEqual(picked.data[(b * 5 + i) * 3 + c], features.data[(b * 3 + c) * 12 + p]) }
      }
    }
  }
}
