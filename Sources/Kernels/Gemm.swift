// Gemm: row-major single-precision matrix products through OpenBLAS's cblas_sgemm.
import COpenBLAS

/// Row-major SGEMM: C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C.
/// `lda`/`ldb`/`ldc` are row strides of A, B, C as stored (before transposition).
@inline(__always)
public func sgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
  if m == 0 || n == 0 { return }
  if k == 0 {
    if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
    else if beta != 1 { for i in 0..<m { scale(c + i * ldc, n, by: beta) } }
    return
  }
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
