// PrefetchQueue: a background thread that keeps the next `depth` batches of a loader ready, so a
// training step never waits on HDF5 reads and augmentation at steady state. Bounded (the thread
// blocks when `depth` batches wait), stoppable (stop() and deinit end and join the thread), and a
// loader error reaches the consumer: batches made before it are delivered, then next() throws it.
import Foundation

/// Runs a `BatchLoader` on its own thread, `depth` batches ahead of the consumer. The loader
/// belongs to the queue from `init` on: read the position from `cursor`, not from the loader.
public final class PrefetchQueue {
  /// State shared with the producer thread, guarded by `condition`.
  private final class Shared: @unchecked Sendable {
    let condition = NSCondition()
    /// The loader, owned by the producer; dropped before `finished` is set so that its source
    /// (open HDF5 files) is released by the time `stop()` returns, not at some later moment.
    var loader: BatchLoader?
    var ready: [Batch] = []
    var failure: Error?
    var stopping = false
    var finished = false
  }

  public let depth: Int
  /// Loader position after the last batch `next()` returned (for checkpoints).
  public private(set) var cursor: LoaderCursor
  private let shared = Shared()

  /// Starts prefetching from `loader` (which must not be used elsewhere afterwards).
  public init(loader: BatchLoader, depth: Int = 2) {
    precondition(depth >= 1, "PrefetchQueue: depth \(depth)")
    self.depth = depth
    cursor = loader.cursor
    let shared = shared
    shared.loader = loader
    let thread = Thread { PrefetchQueue.produce(depth: depth, into: shared) }
    thread.name = "noiseda-prefetch-\(loader.sampler.name)"
    thread.start()
  }

  deinit { stop() }

  /// The next batch in loader order; waits while none is ready. Rethrows the loader's error once
  /// the batches made before it are consumed; throws `LoaderError` after `stop()`.
  public func next() throws -> Batch {
    let s = shared
    s.condition.lock()
    defer { s.condition.unlock() }
    while s.ready.isEmpty && !s.finished { s.condition.wait() }
    if !s.ready.isEmpty {
      let batch = s.ready.removeFirst()
      cursor = batch.cursor
      s.condition.broadcast()
      return batch
    }
    if let failure = s.failure { throw failure }
    throw LoaderError("prefetch queue was stopped; create a new one to read more batches")
  }

  /// Ends the producer thread (after the batch it is making, if any) and waits for it; batches
  /// not yet delivered are dropped. Idempotent.
  public func stop() {
    let s = shared
    s.condition.lock()
    s.stopping = true
    s.ready.removeAll()
    s.condition.broadcast()
    while !s.finished { s.condition.wait() }
    s.condition.unlock()
  }

  /// The producer thread: runs the loop, then lets go of the loader and reports it has finished.
  private static func produce(depth: Int, into s: Shared) {
    fill(depth: depth, s)
    s.condition.lock()
    s.loader = nil
    s.finished = true
    s.condition.broadcast()
    s.condition.unlock()
  }

  /// Makes a batch whenever fewer than `depth` wait, until stopped or failed.
  private static func fill(depth: Int, _ s: Shared) {
    guard let loader = s.loader else { return }
    while true {
      s.condition.lock()
      while s.ready.count >= depth && !s.stopping { s.condition.wait() }
      let stopping = s.stopping
      s.condition.unlock()
      if stopping { break }
      do {
        let batch = try loader.next()
        s.condition.lock()
        if !s.stopping { s.ready.append(batch) }
        s.condition.broadcast()
        s.condition.unlock()
      } catch {
        s.condition.lock()
        s.failure = error
        s.condition.unlock()
        return
      }
    }
  }
}
