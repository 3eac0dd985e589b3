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
/// modes, interleaved round by round so drifting machine load hits all five alike (median of
/// `repeats` rounds, slowest rank); checks each overlapped result and that the dedicated
/// thread completed buckets before `finish()`.
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

  let modes: [ReductionProgress] = [.default, .callerPolls]
  let reducers = try modes.map {
    try GradientBucketReducer(communicator: comm, buffers: pairs, bucketBytes: bucketBytes, progress: $0)
  }
  let reduceAll = { for p in pairs { try comm.allReduceAverage(p.pointer, count: p.count) } }
  let variants: [(name: String, run: () throws -> Int?)] = [
    ("compute alone", { try backward.run(buffers, reducer: nil); return nil }),
    ("all-reduce alone", { try reduceAll(); return nil }),
    ("compute, then all-reduce", { try backward.run(buffers, reducer: nil); try reduceAll(); return nil }),
  ] + zip(modes, reducers).map { mode, reducer in
    ("\(mode)", { try backward.run(buffers, reducer: reducer); return try reducer.finish().completedBeforeFinish })
  }
  var times = [[Double]](repeating: [], count: variants.count)
  var early = [[Int]](repeating: [], count: variants.count)
  for round in 0..<repeats {
    for (v, variant) in variants.enumerated() {
      try comm.barrier()
      let t0 = now()
      if let done = try variant.run() { early[v].append(done) }
      times[v].append(now() - t0)
      if round == repeats - 1, v >= 3 { try checkMean(buffers, counts: counts, comm: comm, what: variant.name) }
    }
  }
  // The slowest rank's median: a step ends when every rank is done.
  let medians = try times.map { try comm.allGather($0.sorted()[$0.count / 2]).max()! }
  if comm.size > 1 {
    try expect(early[3].contains { $0 > 0 }, "the reducer thread completed no bucket during backward (\(early[3]))")
  }
  if comm.rank == 0 {
    print("overlap: \(comm.size) ranks, \(megabytes) MB of gradients in \(layout.buckets.count) buckets of \(bucketMegabytes) MB, \(gemms) GEMMs per bucket, median of \(repeats)")
    for (v, variant) in variants.enumerated() {
      var line = String(format: "  %@: %.1f ms", variant.name, medians[v] * 1e3)
      if v >= 3 {
        line += String(format: ", hidden %.0f%% of the all-reduce", (medians[2] - medians[v]) / medians[1] * 100)
        line += ", buckets done before finish \(early[v].map(String.init).joined(separator: "/")) of \(layout.buckets.count)"
      }
      print(line)
    }
  }
  say(comm, "overlap PASS")
}

/// Checks that every element holds the mean over ranks of their contributions.
private func checkMean(_ buffers: [UnsafeMutablePointer<Float>], counts: [Int], comm: Communicator, what: String) throws {
  let inverse = 1 / Float(comm.size)
  for (n, buffer) in buffers.enumerated() {
    for i in 0..<counts[n] {
      let sum = (0..<comm.size).reduce(Float(0)) { $0 + contribution(rank: $1, index: i, salt: n) }
      let expected = comm.size > 1 ? sum * inverse : sum
      try expect(buffer[i] == expected, "overlapped mean (\(what)): network \(n) element \(i) is \(buffer[i]), expected \(expected)")
    }
  }
}
