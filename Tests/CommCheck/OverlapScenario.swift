// OverlapScenario: measures how much all-reduce time the bucketed reducer hides behind a
// simulated backward pass (GEMMs, then the bucket's gradients are written and marked ready),
// for both progress modes, against compute followed by one blocking all-reduce.
import Comm
import Foundation
import Kernels

/// Simulated backward over two networks: per bucket, `gemms` 192³ GEMMs, then the bucket's
/// gradients are written and (when a reducer is given) marked ready.
private struct SimulatedBackward {
  let counts: [Int]
  let layout: BucketLayout
  let gemms: Int
  let rank: Int
  let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * 192 * 192)

  func run(_ buffers: [UnsafeMutablePointer<Float>], reducer: GradientBucketReducer?) throws {
    let n = 192
    for bucket in layout.buckets {
      for _ in 0..<gemms {
        sgemm(
          transA: false, transB: false, m: n, n: n, k: n, a: scratch, lda: n, b: scratch + n * n, ldb: n,
          beta: 0, c: scratch + 2 * n * n, ldc: n)
      }
      let start = buffers[bucket.network] + bucket.range.lowerBound
      for i in 0..<bucket.range.count {
        start[i] = contribution(rank: rank, index: bucket.range.lowerBound + i, salt: bucket.network)
      }
      try reducer?.markReady(network: bucket.network, from: bucket.range.lowerBound)
    }
  }
}

/// Times compute alone, all-reduce alone, compute then all-reduce, and the two overlapped
/// modes (median of `repeats`); checks the overlapped result and that the dedicated thread
/// completed buckets before `finish()`.
func checkOverlap(_ comm: Communicator, megabytes: Int, bucketMegabytes: Int, gemms: Int, repeats: Int) throws {
  Threading.setCount(1)
  let total = megabytes * 1024 * 1024 / 4
  let counts = [total / 3 + 1, total - total / 3 - 1]
  let buffers = counts.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
  defer { buffers.forEach { $0.deallocate() } }
  let pairs = zip(buffers, counts).map { (pointer: $0, count: $1) }
  let bucketBytes = bucketMegabytes * 1024 * 1024
  let layout = try BucketLayout(counts: counts, bucketElements: BucketLayout.elements(forBytes: bucketBytes))
  let backward = SimulatedBackward(counts: counts, layout: layout, gemms: gemms, rank: comm.rank)
  defer { backward.scratch.deallocate() }
  for i in 0..<(3 * 192 * 192) { backward.scratch[i] = Float(i % 17) / 17 }

  func timed(_ body: () throws -> Void) throws -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
      try comm.barrier()
      let t0 = now()
      try body()
      times.append(now() - t0)
    }
    // The slowest rank's median: a step ends when every rank is done.
    return try comm.allGather(times.sorted()[times.count / 2]).max()!
  }
  let reduceAll = { for p in pairs { try comm.allReduceAverage(p.pointer, count: p.count) } }
  let compute = try timed { try backward.run(buffers, reducer: nil) }
  let communicate = try timed(reduceAll)
  let serial = try timed {
    try backward.run(buffers, reducer: nil)
    try reduceAll()
  }
  var lines = [
    String(format: "compute %.1f ms, all-reduce %.1f ms, compute then all-reduce %.1f ms", compute * 1e3, communicate * 1e3, serial * 1e3)
  ]
  for mode in [ReductionProgress.default, .callerPolls] {
    let reducer = try GradientBucketReducer(communicator: comm, buffers: pairs, bucketBytes: bucketBytes, progress: mode)
    var early: [Int] = []
    let overlapped = try timed {
      try backward.run(buffers, reducer: reducer)
      early.append(try reducer.finish().completedBeforeFinish)
    }
    let hidden = (serial - overlapped) / communicate
    lines.append(
      String(format: "%@: %.1f ms, hidden %.0f%% of the all-reduce, buckets done before finish %@ of %d",
        "\(mode)", overlapped * 1e3, hidden * 100, early.map(String.init).joined(separator: "/"), layout.buckets.count))
    let inverse = 1 / Float(comm.size)
    for (n, buffer) in buffers.enumerated() {
      for i in 0..<counts[n] {
        let sum = (0..<comm.size).reduce(Float(0)) { $0 + contribution(rank: $1, index: i, salt: n) }
        let expected = comm.size > 1 ? sum * inverse : sum
        try expect(buffer[i] == expected, "overlapped mean (\(mode)): network \(n) element \(i) is \(buffer[i]), expected \(expected)")
      }
    }
    if mode == .default, comm.size > 1 {
      try expect(early.contains { $0 > 0 }, "the reducer thread completed no bucket during backward (\(early))")
    }
  }
  if comm.rank == 0 {
    print("overlap: \(comm.size) ranks, \(megabytes) MB of gradients in \(layout.buckets.count) buckets of \(bucketMegabytes) MB, \(gemms) GEMMs per bucket")
    for line in lines { print("  " + line) }
  }
  say(comm, "overlap PASS")
}
