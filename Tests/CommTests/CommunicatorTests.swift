// CommunicatorTests: world selection, the single-process communicator's collectives, and the
// start-up agreement helpers on one rank (multi-rank behaviour is in Tests/CommCheck).
import XCTest

@testable import Comm

final class CommunicatorTests: XCTestCase {
  func testWorldKindFollowsLauncherAndOverride() throws {
    XCTAssertEqual(try Communicators.kind(environment: [:]), .singleProcess)
    XCTAssertEqual(try Communicators.kind(environment: ["OMPI_COMM_WORLD_SIZE": "2"]), .mpi)
    XCTAssertEqual(try Communicators.kind(environment: ["PMIX_RANK": "0"]), .mpi)
    XCTAssertEqual(try Communicators.kind(environment: ["NOISEDA_COMM": "mpi"]), .mpi)
    XCTAssertEqual(try Communicators.kind(environment: ["NOISEDA_COMM": "single", "OMPI_COMM_WORLD_SIZE": "2"]), .singleProcess)
    XCTAssertThrowsError(try Communicators.kind(environment: ["NOISEDA_COMM": "tcp"])) { error in
      XCTAssertTrue("\(error)".contains("NOISEDA_COMM"))
    }
    XCTAssertTrue(try Communicators.world(environment: [:]) is SingleProcessCommunicator)
  }

  /// Rank, size and job id as mpirun, srun --mpi=pmix and a PMI-2 launcher set them; a Slurm
  /// batch script outside srun (SLURM_NTASKS set, no PMIx) is one unlaunched process.
  func testLaunchEnvironmentReadsEveryLauncher() {
    let mpirun = LaunchEnvironment([
      "OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4", "OMPI_MCA_ess_base_jobid": "77", "OMPI_COMM_WORLD_LOCAL_SIZE": "2",
    ])
    XCTAssertEqual(mpirun, LaunchEnvironment(launched: true, rank: 1, size: 4, jobID: "77", ranksOnHost: 2))
    let srun = LaunchEnvironment([
      "PMIX_RANK": "3", "PMIX_NAMESPACE": "slurm.pmix.12.0", "SLURM_STEP_NUM_TASKS": "8", "SLURM_NTASKS": "16",
      "SLURM_STEP_TASKS_PER_NODE": "4(x2)",
    ])
    XCTAssertEqual(srun, LaunchEnvironment(launched: true, rank: 3, size: 8, jobID: "slurm.pmix.12.0", ranksOnHost: 4))
    let pmi = LaunchEnvironment(["PMI_RANK": "2", "PMI_SIZE": "3", "SLURM_JOB_ID": "12", "SLURM_STEP_ID": "1"])
    XCTAssertEqual(pmi, LaunchEnvironment(launched: true, rank: 2, size: 3, jobID: "slurm-12.1"))
    let batchScript = LaunchEnvironment(["SLURM_NTASKS": "8", "SLURM_PROCID": "0"])
    XCTAssertEqual(batchScript, LaunchEnvironment(launched: false, rank: 0, size: 1, jobID: "single"))
    XCTAssertEqual(LaunchEnvironment([:]), LaunchEnvironment(launched: false, rank: 0, size: 1, jobID: "single"))
  }

  func testSingleProcessCollectivesAreIdentity() throws {
    let comm = SingleProcessCommunicator()
    XCTAssertEqual([comm.rank, comm.size, comm.localRank, comm.localSize], [0, 1, 0, 1])
    var floats: [Float] = [1.5, -2, 3.25, 7, -0.5]
    let before = floats
    try floats.withUnsafeMutableBufferPointer { buffer in
      try comm.allReduce(buffer.baseAddress!, count: buffer.count, op: .sum)
      try comm.startAllReduce(buffer.baseAddress!, count: buffer.count, op: .max).wait()
      try comm.broadcast(buffer.baseAddress!, count: buffer.count, root: 0)
      try comm.allReduceAverage(buffer.baseAddress!, count: buffer.count)
    }
    XCTAssertEqual(floats, before)
    var bytes: [UInt8] = [1, 2, 3]
    try comm.broadcast(&bytes, root: 0)
    XCTAssertEqual(bytes, [1, 2, 3])
    XCTAssertEqual(try comm.allGather(2.5), [2.5])
    XCTAssertEqual(try comm.allGather([9, 8]), [[9, 8]])
    XCTAssertTrue(try comm.agree(anyTrue: true))
    XCTAssertFalse(try comm.agree(anyTrue: false))
    XCTAssertThrowsError(try comm.broadcast(&bytes, root: 1)) { error in
      XCTAssertTrue("\(error)".contains("root 1"))
    }
    XCTAssertTrue(try comm.duplicate() is SingleProcessCommunicator)
  }

  func testVerifySameStatePassesOnOneRankAndDescribesConfigDifferences() throws {
    try SingleProcessCommunicator().verifySameState(checksum: 7, configText: "a: 1\nb: 2")
    let detail = SingleProcessCommunicator.firstDifference(Array("a: 1\nb: 2\nc: 3".utf8), Array("a: 1\nb: 5\nc: 3".utf8), rank: 4)
    XCTAssertEqual(detail, "config line 2: rank 0 has 'b: 2', rank 4 has 'b: 5'")
    let shorter = SingleProcessCommunicator.firstDifference(Array("a: 1\nb: 2".utf8), Array("a: 1".utf8), rank: 1)
    XCTAssertEqual(shorter, "config line 2: rank 0 has 'b: 2', rank 1 has nothing")
    let error = CommError.stateMismatch(what: "config", ranks: [1, 3], detail: detail)
    XCTAssertTrue(error.description.hasPrefix("rank(s) 1, 3 hold a different config than rank 0"))
  }

  func testErrorsAreOneLineNamingCallAndRank() {
    let error = CommError.mpi(call: "MPI_Allreduce", rank: 2, code: 15, message: "MPI_ERR_TRUNCATE: message truncated")
    XCTAssertEqual(error.description, "MPI_Allreduce failed on rank 2 (MPI error 15: MPI_ERR_TRUNCATE: message truncated)")
    let early = CommError.mpi(call: "MPI_Init_thread", rank: -1, code: 1, message: "x")
    XCTAssertEqual(early.description, "MPI_Init_thread failed (MPI error 1: x)")
    for error in [error, early, .threadLevel(provided: 1, required: 3), .finalized(call: "MPI_Bcast")] {
      XCTAssertFalse(error.description.contains("\n"))
    }
  }

  func testParameterChecksumSeesEveryBitAndTheSplit() {
    var values: [Float] = (0..<1001).map { Float($0) * 0.37 - 100 }
    func sum(_ v: [Float], split: Int) -> UInt64 {
      v.withUnsafeBufferPointer { p in
        parameterChecksum([(p.baseAddress!, split), (p.baseAddress! + split, v.count - split)])
      }
    }
    let reference = sum(values, split: 500)
    XCTAssertEqual(sum(values, split: 500), reference)
    XCTAssertNotEqual(sum(values, split: 501), reference)
    for index in [0, 499, 1000] {
      let saved = values[index]
      values[index] = Float(bitPattern: saved.bitPattern ^ 1)
      XCTAssertNotEqual(sum(values, split: 500), reference, "flipping the last bit of element \(index)")
      values[index] = saved
    }
  }

  func testWatchdogFiresOnlyForCollectivesThatOutliveTheTimeout() throws {
    let fired = expectation(description: "watchdog expiry")
    let expired = LockedBox<[String]>([])
    let watchdog = CollectiveWatchdog(timeout: 0.3) { call, seconds in
      expired.mutate { $0.append("\(call) \(seconds > 0.3)") }
      fired.fulfill()
    }
    watchdog.watch("MPI_Bcast") { usleep(50_000) }
    _ = watchdog.begin("MPI_Allreduce")
    wait(for: [fired], timeout: 5)
    XCTAssertEqual(expired.value, ["MPI_Allreduce true"])
  }
}

/// A value shared with a watchdog thread.
final class LockedBox<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: T
  init(_ value: T) { stored = value }
  var value: T { lock.withLock { stored } }
  func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
