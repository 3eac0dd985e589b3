// Checks the SGEMM wrapper against a Double-precision reference in all four transpose cases.
import Kernels
import XCTest

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator so the test draws the same
/// matrices on every run and a failure reproduces. KernelsTests depends on Kernels only, so
/// Tensors' PhiloxRandom is not available here.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

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
