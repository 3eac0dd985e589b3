// CheckpointCatalog: the checkpoint files of one run folder — naming (`step-000120.h5`, `best.h5`),
// which to keep (the last K plus best), and which to resume from (the newest that opens and
// validates; a corrupt newest one is reported and the previous one used).
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

  /// The newest checkpoint that `validate` accepts; each rejected one is reported through
  /// `warn` with the reason. Nil when there is none.
  public func newestValid(validate: (URL) throws -> Void, warn: (String) -> Void) -> URL? {
    for (_, url) in steps() {
      do {
        try validate(url)
        return url
      } catch {
        warn("checkpoint \(url.lastPathComponent) is unusable (\(error)); trying the previous one")
      }
    }
    return nil
  }
}
