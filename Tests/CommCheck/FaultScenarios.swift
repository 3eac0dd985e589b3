// FaultScenarios: start-up agreement catching ranks that differ, agreed decisions, and ranks
// that die or stall. The dying/stalling scenarios never finish on their own: launch/test.sh
// checks that mpirun exits non-zero within its bound.
import Comm
import Foundation

/// verifySameState passes when all agree and names exactly the differing ranks otherwise;
/// agree(anyTrue:) is true everywhere iff one rank says true; weights broadcast from rank 0.
func checkMismatch(_ comm: Communicator) throws {
  var weights = (0..<101).map { Float(comm.rank == 0 ? $0 : -$0) }
  try weights.withUnsafeMutableBufferPointer { try comm.broadcastFromRankZero([(pointer: $0.baseAddress!, count: $0.count)]) }
  try expect(weights == (0..<101).map { Float($0) }, "weights after broadcast from rank 0: \(weights.prefix(4))…")
  let checksum = weights.withUnsafeBufferPointer { parameterChecksum([(pointer: $0.baseAddress!, count: $0.count)]) }
  let config = "model: unet-s\nlr: 2e-4\nbatch: 8\n"
  try comm.verifySameState(checksum: checksum, configText: config)

  let odd = comm.size - 1
  do {
    try comm.verifySameState(checksum: comm.rank == odd ? checksum ^ 1 : checksum, configText: config)
    try expect(comm.size == 1, "a differing checksum on rank \(odd) went unnoticed")
  } catch let error as CommError {
    guard case let .stateMismatch(what, ranks, _) = error else { throw error }
    try expect(what == "parameter checksum" && ranks == [odd], "checksum mismatch reported as \(error)")
    if comm.rank == 0 { say(comm, "mismatch reported: \(error)") }
  }
  do {
    let changed = comm.rank == odd ? config.replacingOccurrences(of: "lr: 2e-4", with: "lr: 1e-4") : config
    try comm.verifySameState(checksum: checksum, configText: changed)
    try expect(comm.size == 1, "a differing config on rank \(odd) went unnoticed")
  } catch let error as CommError {
    guard case let .stateMismatch(what, ranks, detail) = error else { throw error }
    try expect(what == "config" && ranks == [odd] && detail.contains("line 2"), "config mismatch reported as \(error)")
    if comm.rank == 0 { say(comm, "mismatch reported: \(error)") }
  }
  for voter in [-1] + Array(0..<comm.size) {
    let decision = try comm.agree(anyTrue: comm.rank == voter)
    try expect(decision == (voter >= 0), "agree with rank \(voter) voting true gave \(decision)")
  }
  say(comm, "mismatch PASS (broadcast from rank 0, checksum and config mismatches named, agree)")
}

/// The last rank kills itself (SIGKILL; exit status 1 when `how` is "exit"; status 0 without
/// MPI_Finalize when "exit0") while the others are inside all-reduces (`path` "blocking") or
/// waiting on bucketed reductions ("bucketed"); the survivors must be ended by mpirun or the
/// watchdog.
func runDyingRank(_ comm: Communicator, how: String, path: String) throws -> Never {
  let count = 1 << 20
  let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
  fill(buffer, count: count, rank: comm.rank)
  let reducer = try GradientBucketReducer(
    communicator: comm, buffers: [(pointer: buffer, count: count)], bucketBytes: 256 * 1024)
  let victim = comm.size - 1
  let t0 = now()
  for step in 0... {
    if comm.rank == victim, step == 5 {
      say(comm, "dying now (\(how)) at step \(step)")
      if how == "exit" { exit(1) }
      if how == "exit0" { exit(0) }
      kill(getpid(), SIGKILL)
    }
    if path == "bucketed" {
      try reducer.markReady(network: 0, from: count / 2)
      try reducer.finish()
    } else {
      try comm.allReduce(buffer, count: count, op: .sum)
    }
    if step > 5, now() - t0 > 120 { break }
  }
  say(comm, "FAIL: rank \(comm.rank) kept running 120 s after rank \(victim) died")
  exit(1)
}

/// The last rank stays alive but never enters the next collective (a hang or a different code
/// path) while the others wait in a barrier (`path` "blocking") or on a bucketed reduction
/// ("bucketed"); the collective watchdog must abort them. `timeout` (seconds), when given, is
/// set through `setCollectiveTimeout`; otherwise NOISEDA_COLLECTIVE_TIMEOUT applies.
func runStalledRank(_ comm: Communicator, path: String, timeout: Double?) throws -> Never {
  if let timeout { comm.setCollectiveTimeout(timeout) }
  let count = 100_003
  let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
  fill(buffer, count: count, rank: comm.rank)
  let reducer = try GradientBucketReducer(communicator: comm, buffers: [(pointer: buffer, count: count)], bucketBytes: 65_536)
  try reducer.finish()
  if comm.rank == comm.size - 1 {
    say(comm, "stalling outside any collective")
    sleep(600)
  } else if path == "bucketed" {
    try reducer.finish()
  } else {
    try comm.barrier()
  }
  say(comm, "FAIL: the stalled rank was not detected")
  exit(1)
}
