// CheckpointCatalog: the checkpoint files of one run folder — naming (`step-000120.h5`, `best.h5`),
// which to keep (the last K plus best), and which to resume from (the newest that opens and
// validates; a damaged newest one is reported and the previous one used; a folder whose every
// checkpoint is damaged is an error, never a silent fresh start).
import Foundation

/// Checkpoints of a run folder, by step.
public struct CheckpointCatalog {
  public let folder: URL

  public init(folder: URL) { self.folder = folder }

  /// `step-000120.h5` for step 120.
  public func url(step: Int) -> URL { folder.appendingPathComponent(String(format: "step-%06d.h5", step)) }

  /// The best-by-validation copy.
  public var best: URL { folder.appendingPathComponent("best.h5") }

  /// Step checkpoints present, newest first (temporary files are ignored).
  public func steps() -> [(step: Int, url: URL)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.compactMap { name -> (Int, URL)? in
      guard name.hasPrefix("step-"), name.hasSuffix(".h5"), let step = Int(name.dropFirst(5).dropLast(3)) else { return nil }
      return (step, folder.appendingPathComponent(name))
    }.sorted { $0.0 > $1.0 }
  }

  /// Deletes step checkpoints beyond the newest `keep` (best.h5 is never touched).
  public func prune(keep: Int) {
    for (_, url) in steps().dropFirst(max(keep, 1)) {
      try? FileManager.default.removeItem(at: url)
    }
  }

  /// The newest step checkpoint that `validate` accepts; each rejected one is reported through
  /// `warn` with the reason. Nil when the folder holds none; an error when it holds some and
  /// none is usable (starting afresh would overwrite the run).
  public func newestValid(validate: (URL) throws -> Void, warn: (String) -> Void) throws -> URL? {
    let candidates = steps()
    for (_, url) in candidates {
      do {
        try validate(url)
        return url
      } catch {
        warn("checkpoint \(url.lastPathComponent) is unusable (\(error)); trying the previous one")
      }
    }
    guard candidates.isEmpty else {
      throw TrainerError("run folder \(folder.path) holds \(candidates.count) checkpoint(s) and none is usable (each is reported above); pass --resume with a checkpoint you trust, or move them away to start afresh")
    }
    return nil
  }
}
