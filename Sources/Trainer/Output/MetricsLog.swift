// MetricsLog: appends one JSON object per line to `metrics.jsonl` in the run folder (rank 0).
// Each line is written whole and flushed, so a killed run leaves only complete lines; a line that
// cannot be written (a full disk) is taken back and is an error naming the file. A resumed
// run first drops the records logged after its checkpoint (like TensorBoard's purge_step), so
// that every step is logged once.
import Foundation

/// A JSON-lines metrics file.
public final class MetricsLog {
  private let handle: FileHandle
  public let path: String

  /// Opens (creating or appending to) `path`. With `resumedAt`, the records whose step is above it
  /// (logged by the run after the checkpoint it resumes from) are removed first, and an "event"
  /// record says how many.
  public init(path: String, resumedAt: Int? = nil) throws {
    let dropped = try resumedAt.map { try MetricsLog.removeRecords(after: $0, in: path) }
    if !FileManager.default.fileExists(atPath: path) {
      guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw TrainerError("metrics \(path): cannot create the file; check that the run folder is writable")
      }
    }
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw TrainerError("metrics \(path): cannot open for writing; check permissions")
    }
    handle.seekToEndOfFile()
    self.handle = handle
    self.path = path
    if let step = resumedAt, let dropped {
      try write(kind: "event", step: step, ["event": "resumed", "dropped_records": .number(Double(dropped))])
    }
  }

  /// Rewrites `path` (when it exists) without the records whose step is above `step`, through a
  /// temporary file and a rename; lines that are not records with a step are kept. Returns how
  /// many records it removed.
  static func removeRecords(after step: Int, in path: String) throws -> Int {
    guard FileManager.default.fileExists(atPath: path) else { return 0 }
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let kept = lines.filter { line in
      let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return (record?["step"] as? Int).map { $0 <= step } ?? true
    }
    guard kept.count < lines.count else { return 0 }
    do {
      try Data(kept.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw TrainerError("metrics \(path): cannot rewrite it without the records after step \(step) (\(error)); check that the run folder is writable")
    }
    return lines.count - kept.count
  }

  /// Writes one record: `kind` ("train", "val", "event", …), the step, and named numbers/strings.
  /// Throws, naming the file and the cause, when the line cannot be written whole.
  public func write(kind: String, step: Int, _ fields: [String: MetricValue]) throws {
    var object: [String: Any] = ["kind": kind, "step": step, "time": Date().timeIntervalSince1970]
    for (k, v) in fields {
      switch v {
      case .number(let x): object[k] = x.isFinite ? x : String(x)
      case .text(let s): object[k] = s
      }
    }
    guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    data.append(0x0A)
    let descriptor = handle.fileDescriptor
    let end = lseek(descriptor, 0, SEEK_END)
    let failure = data.withUnsafeBytes { bytes -> String? in
      var done = 0
      while done < bytes.count {
        let written = Foundation.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        if written < 0 && errno != EINTR { return String(cString: strerror(errno)) }
        done += max(written, 0)
      }
      return nil
    }
    if let failure {
      _ = ftruncate(descriptor, end)
      throw TrainerError("metrics \(path): cannot append a record (\(failure)); the checkpoints are intact: free space on its disk, then continue with --resume auto")
    }
    try? handle.synchronize()
  }

  deinit { try? handle.close() }
}

/// A metric's value: a number (non-finite ones are written as strings) or text.
public enum MetricValue: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
  case number(Double)
  case text(String)

  public init(floatLiteral value: Double) { self = .number(value) }
  public init(integerLiteral value: Int) { self = .number(Double(value)) }
  public init(stringLiteral value: String) { self = .text(value) }
}
