// CommCheck: multi-rank checks of the Comm target, run by launch/test.sh under
// `mpirun -np 2` and `-np 3` (and without mpirun for `single`). One scenario per run:
//   allreduce | broadcast | mismatch | overlap [MB bucketMB gemms repeats] | single
//   | die kill|exit|exit0 blocking|bucketed | stall blocking|bucketed [seconds]
// Exit status 0 means every rank passed; any failure exits 1 and mpirun ends the job.
import Comm
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let scenario = arguments.first ?? ""
let launched = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil

do {
  let comm: Communicator
  switch scenario {
  case "single":
    comm = try checkSingleProcess(launchedByMPI: launched)
  case "allreduce", "broadcast", "mismatch", "overlap", "die", "stall":
    comm = try Communicators.world()
    switch scenario {
    case "allreduce": try checkAllReduce(comm)
    case "broadcast": try checkBroadcast(comm)
    case "mismatch": try checkMismatch(comm)
    case "overlap":
      let numbers = arguments.dropFirst().compactMap { Int($0) }
      try checkOverlap(
        comm, megabytes: numbers.count > 0 ? numbers[0] : 16, bucketMegabytes: numbers.count > 1 ? numbers[1] : 2,
        gemms: numbers.count > 2 ? numbers[2] : 4, repeats: numbers.count > 3 ? numbers[3] : 3)
    case "die":
      try runDyingRank(comm, how: arguments.count > 1 ? arguments[1] : "kill", path: arguments.count > 2 ? arguments[2] : "blocking")
    default:
      try runStalledRank(
        comm, path: arguments.count > 1 ? arguments[1] : "blocking", timeout: arguments.count > 2 ? Double(arguments[2]) : nil)
    }
  default:
    FileHandle.standardError.write(
      Data("usage: CommCheck allreduce|broadcast|mismatch|overlap [MB bucketMB gemms repeats]|single|die kill|exit|exit0 blocking|bucketed|stall blocking|bucketed [seconds]\n".utf8))
    exit(2)
  }
  try comm.finalize()
} catch {
  let rank = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"] ?? "0"
  print("rank \(rank): FAIL \(scenario): \(error)")
  fflush(stdout)
  exit(1)
}
