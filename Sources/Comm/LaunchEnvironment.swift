// LaunchEnvironment: what the launcher told this process through its environment — whether a
// parallel launcher started it, and its rank, the number of ranks and the job's id — read in this
// one place for every launcher NoiseDA supports: Open MPI's mpirun (OMPI_COMM_WORLD_*,
// OMPI_MCA_ess_base_jobid), Slurm's srun --mpi=pmix (PMIX_RANK, PMIX_NAMESPACE, with the step's
// task count SLURM_STEP_NUM_TASKS) and PMI-2 launchers (PMI_RANK, PMI_SIZE); the ranks sharing this
// host come from OMPI_COMM_WORLD_LOCAL_SIZE or Slurm's SLURM_STEP_TASKS_PER_NODE ("2(x2)": 2). Used before MPI is
// initialised (the communicator's kind, `noiseda convert`'s file-based coordination) or without it.
import Foundation

/// The launcher's view of this process.
public struct LaunchEnvironment: Equatable, Sendable {
  /// Whether mpirun or srun (or another PMI launcher) started this process.
  public let launched: Bool
  /// This process's rank (0 when not launched).
  public let rank: Int
  /// Processes in the job (1 when not launched).
  public let size: Int
  /// The job's identifier, the same on every rank; nil when not launched.
  public let jobID: String?
  /// Processes the launcher started on this host (1 when not launched or not told).
  public let ranksOnHost: Int

  /// The given values (tests).
  init(launched: Bool, rank: Int, size: Int, jobID: String?, ranksOnHost: Int = 1) {
    self.launched = launched
    self.rank = rank
    self.size = size
    self.jobID = jobID
    self.ranksOnHost = ranksOnHost
  }

  /// Reads `environment` (default: this process's).
  public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
    func int(_ names: String...) -> Int? { names.lazy.compactMap { environment[$0].flatMap { Int($0) } }.first }
    rank = int("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK") ?? 0
    let launchedSize = int("OMPI_COMM_WORLD_SIZE", "PMI_SIZE")
      ?? (environment["PMIX_RANK"] != nil ? int("SLURM_STEP_NUM_TASKS", "SLURM_NTASKS") : nil)
    launched = environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil || environment["PMI_RANK"] != nil
    size = launchedSize ?? 1
    jobID = environment["OMPI_MCA_ess_base_jobid"] ?? environment["PMIX_NAMESPACE"]
      ?? environment["SLURM_JOB_ID"].map { id in "slurm-\(id).\(environment["SLURM_STEP_ID"] ?? "0")" }
      ?? (launched ? nil : "single")
    let slurmPerNode = environment["SLURM_STEP_TASKS_PER_NODE"].flatMap { Int($0.prefix { $0.isNumber }) }
    ranksOnHost = int("OMPI_COMM_WORLD_LOCAL_SIZE") ?? slurmPerNode ?? 1
  }
}
