// Communicators: picks the world communicator for this process. Launched by mpirun (or by
// srun with PMIx) → MPI; otherwise one rank with no MPI set-up at all, unless NOISEDA_COMM=mpi
// asks for an MPI singleton (platform-notes §11) — the same binary serves both.
import Foundation

/// Chooses and creates the process's world communicator.
public enum Communicators {
  /// Which communicator a process gets.
  public enum Kind: Equatable, Sendable {
    case mpi, singleProcess
  }

  /// The kind for an environment: `NOISEDA_COMM=mpi|single` decides when set; otherwise MPI
  /// when a launcher started the process (LaunchEnvironment: mpirun, srun --mpi=pmix, PMI).
  public static func kind(environment: [String: String]) throws -> Kind {
    switch environment["NOISEDA_COMM"] {
    case "mpi": return .mpi
    case "single": return .singleProcess
    case nil, "", "auto":
      return LaunchEnvironment(environment).launched ? .mpi : .singleProcess
    case let other?:
      throw CommError.invalidArgument(
        call: "NOISEDA_COMM", reason: "unknown value '\(other)'; use mpi, single or auto")
    }
  }

  /// The world communicator of this process (MPI's is created once and shared).
  public static func world(environment: [String: String] = ProcessInfo.processInfo.environment) throws
    -> Communicator
  {
    switch try kind(environment: environment) {
    case .mpi: return try MPICommunicator.world()
    case .singleProcess: return SingleProcessCommunicator()
    }
  }
}
