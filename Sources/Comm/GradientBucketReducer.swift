// GradientBucketReducer: averages the flat gradient buffers of one or more networks across
// ranks, bucket by bucket, while backward is still running (PyTorch DDP's reducer, Horovod's
// fusion buffer). Buckets are started strictly in layout order on every rank, so the sequence
// of collectives is the same everywhere whatever order the trainer marks them in.
//
// Progress: Open MPI 4 here has no asynchronous progress (platform-notes §8): an
// MPI_Iallreduce advances only while some thread is inside MPI. `.dedicatedThread` gives the
// reducer its own thread that starts buckets and polls them with MPI_Test, so reduction runs
// while the trainer computes; `.callerPolls` starts and tests buckets only inside
// `markReady`, on the trainer's thread (no extra thread; overlap only between calls). The
// measured difference is in docs/distributed.md.
import Dispatch
import Foundation
import Kernels

/// Where MPI progress is made for buckets in flight.
public enum ReductionProgress: Equatable, Sendable {
  /// A reducer-owned thread starts ready buckets and polls them, sleeping `pollMicroseconds`
  /// between polls while buckets are in flight, and blocking on a condition when idle.
  case dedicatedThread(pollMicroseconds: Int)
  /// `markReady` starts ready buckets and tests those in flight; `finish` waits.
  case callerPolls

  /// The default: a dedicated thread polling every 50 µs.
  public static let `default` = ReductionProgress.dedicatedThread(pollMicroseconds: 50)
}

/// What one step's reduction did, for logs and the overlap measurement.
public struct ReductionStatistics: Equatable, Sendable {
  /// Buckets in the step.
  public var buckets: Int
  /// Buckets already reduced when `finish()` was called (the overlapped part).
  public var completedBeforeFinish: Int
  /// Seconds `finish()` waited for the rest.
  public var finishWaitSeconds: Double
}

/// Averages gradients in buckets that start as soon as backward has finished writing them.
/// Per step: any number of `markReady(network:from:)` calls, then `finish()`.
public final class GradientBucketReducer {
  /// The bucket layout shared by every rank.
  public let layout: BucketLayout
  /// How progress is made.
  public let progress: ReductionProgress
  private let pipeline: BucketPipeline?
  private let counts: [Int]

  /// Reduces `buffers` (one flat float32 gradient buffer per network, in the order backward
  /// finishes them) over the ranks of `communicator`, in buckets of `bucketBytes`. The buffers
  /// must stay allocated for the reducer's lifetime. Collective: every rank constructs its
  /// reducer at the same point, with the same counts and bucket size.
  public init(
    communicator: Communicator, buffers: [(pointer: UnsafeMutablePointer<Float>, count: Int)],
    bucketBytes: Int = BucketLayout.defaultBucketBytes, progress: ReductionProgress = .default
  ) throws {
    counts = buffers.map(\.count)
    layout = try BucketLayout(counts: counts, bucketElements: BucketLayout.elements(forBytes: bucketBytes))
    self.progress = progress
    if communicator.size > 1 {
      pipeline = BucketPipeline(
        communicator: try communicator.duplicate(), buffers: buffers.map(\.pointer), layout: layout,
        progress: progress)
    } else {
      pipeline = nil
    }
  }

  deinit { pipeline?.shutdown() }

  /// Declares that backward has written the final gradients of `network` from element
  /// `offset` to its end; buckets lying wholly in that range may start. The trainer must not
  /// touch those elements again until `finish()` returns.
  public func markReady(network: Int, from offset: Int) throws {
    guard counts.indices.contains(network), (0...counts[network]).contains(offset) else {
      throw CommError.invalidArgument(
        call: "markReady", reason: "network \(network), offset \(offset) is outside the \(counts) gradient buffers")
    }
    try pipeline?.markReady(layout.buckets(finalFrom: offset, network: network))
  }

  /// Marks everything ready, waits for every bucket and leaves each buffer holding the mean
  /// over ranks. Resets the reducer for the next step.
  @discardableResult
  public func finish() throws -> ReductionStatistics {
    guard let pipeline else {
      return ReductionStatistics(buckets: layout.buckets.count, completedBeforeFinish: layout.buckets.count, finishWaitSeconds: 0)
    }
    return try pipeline.finish()
  }
}

/// The per-step state of bucket reduction, shared by the trainer's thread and the progress
/// thread; `inFlight` is touched only by whichever thread makes progress.
private final class BucketPipeline: @unchecked Sendable {
  private let communicator: Communicator
  private let buffers: [UnsafeMutablePointer<Float>]
  private let layout: BucketLayout
  private let progress: ReductionProgress
  private let inverseSize: Float
  private let state = NSCondition()
  private var ready: [Bool]
  private var nextToStart = 0
  private var completed = 0
  private var failure: Error?
  private var stopped = false
  private var inFlight: [(bucket: Int, request: CommRequest)] = []

  init(communicator: Communicator, buffers: [UnsafeMutablePointer<Float>], layout: BucketLayout, progress: ReductionProgress) {
    self.communicator = communicator
    self.buffers = buffers
    self.layout = layout
    self.progress = progress
    self.inverseSize = 1 / Float(communicator.size)
    self.ready = Array(repeating: false, count: layout.buckets.count)
    if case let .dedicatedThread(poll) = progress {
      let thread = Thread { [self] in runProgressThread(pollMicroseconds: poll) }
      thread.name = "noiseda-gradient-reducer"
      thread.start()
    }
  }

  func shutdown() {
    state.withLock {
      stopped = true
      state.broadcast()
    }
  }

  func markReady(_ indices: Range<Int>) throws {
    state.withLock {
      for i in indices { ready[i] = true }
      state.broadcast()
    }
    if progress == .callerPolls { try pump() }
  }

  func finish() throws -> ReductionStatistics {
    let total = layout.buckets.count
    let entered = DispatchTime.now().uptimeNanoseconds
    let before = state.withLock { () -> Int in
      for i in ready.indices { ready[i] = true }
      state.broadcast()
      return completed
    }
    if progress == .callerPolls {
      try pump()
      for (bucket, request) in inFlight {
        try request.wait()
        complete(bucket)
      }
      inFlight.removeAll()
    }
    try state.withLock {
      while completed < total, failure == nil { state.wait() }
      if let failure { throw failure }
      for i in ready.indices { ready[i] = false }
      nextToStart = 0
      completed = 0
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - entered) / 1e9
    return ReductionStatistics(buckets: total, completedBeforeFinish: before, finishWaitSeconds: seconds)
  }

  /// Starts every bucket that is ready and next in order, then tests those in flight (in
  /// order); returns whether any completed.
  @discardableResult
  private func pump() throws -> Bool {
    let toStart = state.withLock { () -> Range<Int> in
      let first = nextToStart
      while nextToStart < ready.count, ready[nextToStart] { nextToStart += 1 }
      return first..<nextToStart
    }
    for bucket in toStart {
      let range = layout.buckets[bucket].range
      let start = buffers[layout.buckets[bucket].network] + range.lowerBound
      inFlight.append((bucket, try communicator.startAllReduce(start, count: range.count, op: .sum)))
    }
    var done = 0
    while done < inFlight.count, try inFlight[done].request.test() {
      complete(inFlight[done].bucket)
      done += 1
    }
    inFlight.removeFirst(done)
    return done > 0
  }

  /// Divides a reduced bucket by the world size and counts it.
  private func complete(_ bucket: Int) {
    let range = layout.buckets[bucket].range
    scale(buffers[layout.buckets[bucket].network] + range.lowerBound, range.count, by: inverseSize)
    state.withLock {
      completed += 1
      state.broadcast()
    }
  }

  /// The dedicated thread: sleeps on the condition while nothing is ready or in flight,
  /// otherwise pumps, pausing `pollMicroseconds` between polls that complete nothing.
  private func runProgressThread(pollMicroseconds: Int) {
    while true {
      let proceed = state.withLock { () -> Bool in
        while !stopped, inFlight.isEmpty, !(nextToStart < ready.count && ready[nextToStart]) { state.wait() }
        return !stopped
      }
      guard proceed else { return }
      do {
        if try !pump(), !inFlight.isEmpty { usleep(UInt32(pollMicroseconds)) }
      } catch {
        state.withLock {
          failure = error
          state.broadcast()
        }
        return
      }
    }
  }
}
