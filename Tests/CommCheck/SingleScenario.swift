// SingleScenario: a one-rank MPI world (mpirun -np 1 or an MPI singleton) gives exactly what
// SingleProcessCommunicator gives, and Communicators.world() without a launcher needs no MPI.
import Comm
import Foundation

/// Runs the same reductions, decisions and gathers on `comm` and returns their outputs.
private func oneRankResults(_ comm: Communicator) throws -> [Float] {
  let counts = [1001, 20_011]
  let buffers = counts.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
  defer { buffers.forEach { $0.deallocate() } }
  for (n, buffer) in buffers.enumerated() { fill(buffer, count: counts[n], rank: 0, salt: n) }
  let reducer = try GradientBucketReducer(
    communicator: comm, buffers: zip(buffers, counts).map { ($0, $1) }, bucketBytes: 4096)
  try reducer.markReady(network: 0, from: 500)
  let stats = try reducer.finish()
  try comm.allReduceAverage(buffers[1], count: counts[1])
  var maxima: [Double] = [1.5, -2, 7]
  try comm.allReduce(&maxima, count: 3, op: .max)
  try comm.broadcast(buffers[0], count: counts[0], root: 0)
  var bytes = Array("config".utf8)
  try comm.broadcast(&bytes, root: 0)
  let gathered = try comm.allGather(2.5)
  let strings = try comm.allGather(bytes)
  try comm.verifySameState(checksum: 42, configText: "a: 1")
  return (0..<2).flatMap { Array(UnsafeBufferPointer(start: buffers[$0], count: counts[$0])) }
    + maxima.map(Float.init) + gathered.map(Float.init)
    + [Float(stats.buckets), Float(strings.count), Float(strings[0].count), Float(comm.size), Float(comm.localSize)]
    + [try comm.agree(anyTrue: true) ? 1 : 0, try comm.agree(anyTrue: false) ? 1 : 0]
}

/// Compares the single-process communicator with the one-rank MPI world, element by element.
func checkSingleProcess(launchedByMPI: Bool) throws -> Communicator {
  if !launchedByMPI {
    let plain = try Communicators.world()
    try expect(plain is SingleProcessCommunicator, "without mpirun Communicators.world() gave \(type(of: plain))")
    try expect(!MPICommunicator.isInitialized, "Communicators.world() without mpirun initialised MPI")
  }
  let single = try oneRankResults(SingleProcessCommunicator())
  let mpi = try MPICommunicator.world()
  try expect(mpi.size == 1, "the single scenario needs a one-rank MPI world, got \(mpi.size) ranks")
  let viaMPI = try oneRankResults(mpi)
  try expect(single.count == viaMPI.count, "result lengths \(single.count) and \(viaMPI.count) differ")
  if let i = single.indices.first(where: { single[$0].bitPattern != viaMPI[$0].bitPattern }) {
    throw CheckFailure(description: "single-process and one-rank MPI differ at result \(i): \(single[i]) vs \(viaMPI[i])")
  }
  say(mpi, "single PASS (\(single.count) results equal; launched by mpirun: \(launchedByMPI))")
  return mpi
}
