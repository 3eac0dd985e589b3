// MetricsLog: appends one JSON object per line to `metrics.jsonl` in the run folder (rank 0).
// Each line is written whole and flushed, so a killed run leaves only complete lines.
import Foundation

/// A JSON-lines metrics file.
public final class MetricsLog {
  private let handle: FileHandle
  public let path: String

  /// Opens (creating or appending to) `path`.
  public init(path: String) throws {
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
  }

  /// Writes one record: `kind` ("train", "val", "event", …), the step, and named numbers/strings.
  public func write(kind: String, step: Int, _ fields: [String: MetricValue]) {
    var object: [String: Any] = ["kind": kind, "step": step, "time": Date().timeIntervalSince1970]
    for (k, v) in fields {
      switch v {
      case .number(let x): object[k] = x.isFinite ? x : String(x)
      case .text(let s): object[k] = s
      }
    }
    guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    data.append(0x0A)
    handle.write(data)
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
