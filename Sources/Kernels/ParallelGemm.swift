// ParallelGemm: runs independent jobs that each call `sgemm` (one image of a convolution, say)
// on NoiseDA's worker threads while OpenBLAS is held to one thread per call. For the medium
// GEMMs of a lowered convolution this beats one threaded GEMM after another: no fork/join
// and no spinning OpenBLAS workers between calls, and each core keeps its own band of
// columns in its own L2. One owner of the cores at a time (see Threading).
import COpenBLAS
import Dispatch

/// Independent GEMM jobs spread over `Threading.count` workers, OpenBLAS single-threaded meanwhile.
public enum ParallelGemm {
  /// Workers `forEach` uses for `items` jobs: `Threading.count` when there are at least that
  /// many jobs, else 1 (the jobs then run one after another and may thread their kernels).
  public static func workers(for items: Int) -> Int { items >= Threading.count ? Threading.count : 1 }

  /// Calls `body(worker, item)` for each item in `0..<items`; worker w (in 0..<workers(for:))
  /// gets items w, w + workers, … in order, so per-worker scratch and accumulators need no lock.
  /// With more than one worker, kernels called from `body` must not thread themselves. Call it
  /// from one thread at a time (the training thread): it sets OpenBLAS's process-wide thread
  /// count to 1 for its duration and back to `Threading.count` after.
  public static func forEach(_ items: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
    let workers = workers(for: items)
    if workers == 1 {
      for i in 0..<items { body(0, i) }
      return
    }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(Threading.count)) }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var i = w
      while i < items {
        body(w, i)
        i += workers
      }
    }
  }
}
