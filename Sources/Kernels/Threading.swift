// Threading: the one place that decides how many threads NoiseDA's own loops and OpenBLAS use.
// Policy: one owner at a time. A GEMM runs on OpenBLAS's threads; our element-wise loops run on
// Dispatch workers between GEMMs; both use the same count (`Threading.count`).
import COpenBLAS
import Dispatch
import Foundation

/// The process-wide thread count shared by OpenBLAS and NoiseDA's own parallel loops.
public enum Threading {
  @usableFromInline nonisolated(unsafe) static var current: Int = defaultCount()

  /// Threads used by GEMMs and element-wise loops.
  public static var count: Int { current }

  /// Sets the thread count for OpenBLAS and for NoiseDA's loops (at least 1).
  public static func setCount(_ threads: Int) {
    current = max(1, threads)
    openblas_set_num_threads(Int32(current))
  }

  /// `NOISEDA_THREADS`, else `OPENBLAS_NUM_THREADS`, else the number of online cores.
  static func defaultCount() -> Int {
    for name in ["NOISEDA_THREADS", "OPENBLAS_NUM_THREADS"] {
      if let text = ProcessInfo.processInfo.environment[name], let n = Int(text), n > 0 { return n }
    }
    return ProcessInfo.processInfo.activeProcessorCount
  }

  /// Calls `body` on contiguous sub-ranges of `0..<total`, in parallel when the work is large.
  /// `minChunk` is the smallest range worth a thread (element-wise work: ~32k floats).
  @inlinable @inline(__always)
  public static func forEachChunk(_ total: Int, minChunk: Int = 32_768, _ body: (Range<Int>) -> Void) {
    let chunks = min(current, max(1, total / max(1, minChunk)))
    if chunks <= 1 {
      if total > 0 { body(0..<total) }
      return
    }
    // Chunk boundaries on multiples of 16 so SIMD loops see whole vectors except at the end.
    let step = ((total + chunks - 1) / chunks + 15) & ~15
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let lo = c * step
      let hi = min(total, lo + step)
      if lo < hi { body(lo..<hi) }
    }
  }

  /// Calls `body(i)` for each i in 0..<count, spread over the threads (for per-sample or
  /// per-channel work whose items are already large).
  @inlinable @inline(__always)
  public static func forEach(_ count: Int, _ body: (Int) -> Void) {
    let chunks = min(current, count)
    if chunks <= 1 {
      for i in 0..<count { body(i) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      var i = c
      while i < count {
        body(i)
        i += chunks
      }
    }
  }
}
