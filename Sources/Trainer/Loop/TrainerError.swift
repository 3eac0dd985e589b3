// TrainerError: a run-level failure a user can act on (files, data, agreement between ranks),
// as one line naming the thing and the fix.

/// A one-line, user-facing error of the training run.
public struct TrainerError: Error, CustomStringConvertible, Equatable {
  public let description: String

  public init(_ description: String) { self.description = description }

  /// A checkpoint file that cannot be used, and why.
  public static func checkpoint(path: String, reason: String) -> TrainerError {
    TrainerError("checkpoint \(path) \(reason)")
  }
}
