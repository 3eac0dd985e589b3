// FileArrivalBarrier: the converter's rendezvous when no communicator is at hand — each rank's
// report file in the run's sync folder marks its arrival, and rank 0 waits until all are there.
// Only rank 0 waits (no other rank needs anything after it). A rank that dies makes mpirun end
// the whole job, so the wait cannot outlive a failure; it still gives up after `timeout`.
import Foundation

/// Rank 0 waits for `rank-R.json` of every rank R in `folder`; other ranks pass through.
public struct FileArrivalBarrier: Sendable {
  public let folder: String
  public let rank: Int
  public let worldSize: Int
  /// Longest wait, in seconds, before reporting the ranks that never arrived.
  public let timeout: Double

  public init(folder: String, rank: Int, worldSize: Int, timeout: Double = 7 * 24 * 3600) {
    self.folder = folder
    self.rank = rank
    self.worldSize = worldSize
    self.timeout = timeout
  }

  /// Blocks rank 0 until all ranks have left their report; returns at once elsewhere.
  public func wait() throws {
    guard rank == 0 else { return }
    let start = Date()
    var lastNotice = start
    while true {
      let missing = (0..<worldSize).filter {
        !FileManager.default.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent("rank-\($0).json").path)
      }
      if missing.isEmpty { return }
      let now = Date()
      if now.timeIntervalSince(start) > timeout {
        throw ConversionError.rankSetup("ranks \(missing) did not finish within \(Int(timeout)) s (reports expected in \(folder))")
      }
      if now.timeIntervalSince(lastNotice) > 60 {
        print("rank 0: waiting for ranks \(missing) to finish converting")
        lastNotice = now
      }
      Thread.sleep(forTimeInterval: 0.1)
    }
  }
}
