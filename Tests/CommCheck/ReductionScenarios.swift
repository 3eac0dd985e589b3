// ReductionScenarios: all-reduce (blocking, non-blocking, split into pieces, bucketed) and
// broadcast/all-gather results compared with the serial computation every rank can do alone.
import Comm
import Foundation

/// All-reduce sums and maxima of odd sizes equal the serial results bit for bit; the bucketed
/// reducer (several bucket sizes, both progress modes, ranks marking buckets in different
/// orders) leaves every rank holding the exact mean.
func checkAllReduce(_ comm: Communicator) throws {
  for count in [1, 7, 1001, 100_003] {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    fill(buffer, count: count, rank: comm.rank)
    try comm.allReduce(buffer, count: count, op: .sum)
    for i in 0..<count {
      let serial = (0..<comm.size).reduce(Float(0)) { $0 + contribution(rank: $1, index: i) }
      try expect(buffer[i] == serial, "sum of \(count) floats: element \(i) is \(buffer[i]), serial \(serial)")
    }
    fill(buffer, count: count, rank: comm.rank)
    try comm.startAllReduce(buffer, count: count, op: .max).wait()
    for i in 0..<count {
      let serial = (0..<comm.size).map { contribution(rank: $0, index: i) }.max()!
      try expect(buffer[i] == serial, "max of \(count) floats: element \(i) is \(buffer[i]), serial \(serial)")
    }
  }
  var doubles = (0..<333).map { Double($0) * 0.5 + Double(comm.rank) * 1e-3 }
  try comm.allReduce(&doubles, count: doubles.count, op: .sum)
  for i in doubles.indices {
    let serial = (0..<comm.size).reduce(0.0) { $0 + Double(i) * 0.5 + Double($1) * 1e-3 }
    try expect(abs(doubles[i] - serial) < 1e-12, "sum of doubles: element \(i) is \(doubles[i]), serial \(serial)")
  }
  try checkSplitCalls(comm)
  try checkBucketedAverage(comm)
  say(comm, "allreduce PASS (sizes 1, 7, 1001, 100003; sum, max, doubles, split calls, buckets)")
}

/// With MPI counts capped at 1000 elements a 10007-element reduction still equals the serial sum.
private func checkSplitCalls(_ comm: Communicator) throws {
  guard let mpi = comm as? MPICommunicator else { return }
  let count = 10_007
  let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
  defer { buffer.deallocate() }
  mpi.maxElementsPerCall = 1000
  defer { mpi.maxElementsPerCall = Int(Int32.max) }
  for blocking in [true, false] {
    fill(buffer, count: count, rank: comm.rank, salt: 3)
    if blocking {
      try mpi.allReduce(buffer, count: count, op: .sum)
    } else {
      try mpi.startAllReduce(buffer, count: count, op: .sum).wait()
    }
    for i in 0..<count {
      let serial = (0..<comm.size).reduce(Float(0)) { $0 + contribution(rank: $1, index: i, salt: 3) }
      try expect(buffer[i] == serial, "split all-reduce (blocking \(blocking)): element \(i) is \(buffer[i]), serial \(serial)")
    }
  }
}

/// Two networks of odd sizes; bucket sizes from 64 bytes to the 25 MB default; each rank marks
/// regions ready in its own step size, rank 1 starting with network 1.
private func checkBucketedAverage(_ comm: Communicator) throws {
  let counts = [1001, 100_003]
  let buffers = counts.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
  defer { buffers.forEach { $0.deallocate() } }
  let modes: [ReductionProgress] = [.default, .callerPolls]
  for bucketBytes in [64, 4000, 65_536, BucketLayout.defaultBucketBytes] {
    for mode in modes {
      let reducer = try GradientBucketReducer(
        communicator: comm, buffers: zip(buffers, counts).map { ($0, $1) }, bucketBytes: bucketBytes, progress: mode)
      for step in 0..<2 {
        let salt = step * 5 + bucketBytes % 7
        for (n, buffer) in buffers.enumerated() { fill(buffer, count: counts[n], rank: comm.rank, salt: salt + n) }
        let stride = 333 + 97 * comm.rank
        let order = comm.rank == 1 ? [1, 0] : [0, 1]
        for network in order {
          var offset = counts[network]
          while offset > 0 {
            offset = max(0, offset - stride)
            try reducer.markReady(network: network, from: offset)
          }
        }
        let stats = try reducer.finish()
        try expect(stats.buckets == reducer.layout.buckets.count, "statistics count \(stats.buckets) buckets")
        let inverse = 1 / Float(comm.size)
        for (n, buffer) in buffers.enumerated() {
          for i in 0..<counts[n] {
            let sum = (0..<comm.size).reduce(Float(0)) { $0 + contribution(rank: $1, index: i, salt: salt + n) }
            let expected = comm.size > 1 ? sum * inverse : sum
            try expect(
              buffer[i] == expected,
              "bucketed mean (\(bucketBytes)-byte buckets, \(mode), step \(step)): network \(n) element \(i) is \(buffer[i]), expected \(expected)")
          }
        }
      }
    }
  }
}

/// Broadcast of floats from every root, of byte strings of any length, and all-gathers.
func checkBroadcast(_ comm: Communicator) throws {
  for root in 0..<comm.size {
    let count = 1009
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    fill(buffer, count: count, rank: comm.rank, salt: root)
    try comm.broadcast(buffer, count: count, root: root)
    for i in 0..<count {
      try expect(buffer[i] == contribution(rank: root, index: i, salt: root), "broadcast from \(root): element \(i) differs")
    }
    var bytes = [UInt8](repeating: UInt8(comm.rank), count: comm.rank == root ? 17 + root : 3)
    try comm.broadcast(&bytes, root: root)
    try expect(bytes == [UInt8](repeating: UInt8(root), count: 17 + root), "byte broadcast from \(root) gave \(bytes)")
  }
  let scalars = try comm.allGather(Double(comm.rank) * 1.5 - 0.25)
  try expect(scalars == (0..<comm.size).map { Double($0) * 1.5 - 0.25 }, "scalar all-gather gave \(scalars)")
  let strings = try comm.allGather(Array(String(repeating: "r\(comm.rank)", count: comm.rank).utf8))
  let expected = (0..<comm.size).map { Array(String(repeating: "r\($0)", count: $0).utf8) }
  try expect(strings == expected, "byte-string all-gather gave \(strings)")
  try checkMPIErrorReturns(comm)
  try comm.barrier()
  say(comm, "broadcast PASS (float and byte broadcasts from every root, all-gathers, barrier)")
}

/// A real MPI error (a broadcast whose receiver expects fewer elements than the root sends:
/// MPI_ERR_TRUNCATE) comes back as CommError.mpi naming the call and the rank, on a duplicate
/// communicator so the world stays usable. Two ranks only: with more, Open MPI's broadcast
/// trees relay through ranks and an erroneous broadcast may hang instead.
private func checkMPIErrorReturns(_ comm: Communicator) throws {
  guard comm.size == 2 else { return }
  let scratch = try comm.duplicate()
  var values = [Float](repeating: 1, count: 64)
  let truncated = comm.size - 1
  let count = comm.rank == truncated ? 8 : 64
  do {
    try values.withUnsafeMutableBufferPointer { try scratch.broadcast($0.baseAddress!, count: count, root: 0) }
    try expect(comm.rank != truncated, "a truncated broadcast raised no error on rank \(comm.rank)")
  } catch let error as CommError {
    guard case let .mpi(call, rank, _, _) = error else { throw error }
    try expect(call == "MPI_Bcast" && rank == truncated, "truncated broadcast reported as \(error)")
    say(comm, "MPI error returned as: \(error)")
  }
}
