// Checks the SGEMM wrapper against a Double-precision reference in all four transpose cases.
import Kernels
import XCTest

// Matrices from Kernels' seeded SplitMix64: the same on every run, so a failure reproduces.

final class GemmTests: XCTestCase {
  func testAllTransposeCasesMatchDoubleReference() {
    let m = 7, n = 5, k = 9
    var rng = SplitMix64(seed: 0x5EED_6E44)
    let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
    let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
    for transA in [false, true] {
      for transB in [false, true] {
        var c = [Float](repeating: 0.5, count: m * n)
        // Stored layouts: A is m×k (or k×m when transposed), B is k×n (or n×k).
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: 2, a: pa.baseAddress!,
                lda: transA ? m : k, b: pb.baseAddress!, ldb: transB ? k : n, beta: 1,
                c: pc.baseAddress!, ldc: n)
            }
          }
        }
        for i in 0..<m {
          for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
              let x = transA ? a[p * m + i] : a[i * k + p]
              let y = transB ? b[j * k + p] : b[p * n + j]
              s += Double(x) * Double(y)
            }
            XCTAssertEqual(Double(c[i * n + j]), 2 * s + 0.5, accuracy: 1e-5, "transA \(transA) transB \(transB)")
          }
        }
      }
    }
  }
}
