// CommError: every failure a communicator reports, as one line naming the call and the rank.
import Foundation

/// Errors from communicators, start-up agreement and gradient synchronisation.
public enum CommError: Error, CustomStringConvertible, Equatable {
  /// An MPI call returned `code` (MPI_ERRORS_RETURN is set on every communicator we use).
  case mpi(call: String, rank: Int, code: Int32, message: String)
  /// The MPI library cannot give the thread level NoiseDA needs.
  case threadLevel(provided: Int32, required: Int32)
  /// A call after `finalize()`.
  case finalized(call: String)
  /// Ranks disagree at start-up; `ranks` lists those that differ from rank 0.
  case stateMismatch(what: String, ranks: [Int], detail: String)
  /// A caller passed something the communicator cannot do.
  case invalidArgument(call: String, reason: String)

  public var description: String {
    switch self {
    case let .mpi(call, rank, code, message):
      let place = rank >= 0 ? " on rank \(rank)" : ""
      return "\(call) failed\(place) (MPI error \(code): \(message))"
    case let .threadLevel(provided, required):
      return "the MPI library provides thread level \(provided) but NoiseDA needs \(required) "
        + "(MPI_THREAD_MULTIPLE): use an Open MPI built with thread support"
    case let .finalized(call):
      return "\(call) called after MPI_Finalize: finalize the communicator only at the end of the run"
    case let .stateMismatch(what, ranks, detail):
      let list = ranks.map(String.init).joined(separator: ", ")
      return "rank(s) \(list) hold a different \(what) than rank 0 (\(detail)): "
        + "start every rank from the same checkpoint, config and binary"
    case let .invalidArgument(call, reason):
      return "\(call): \(reason)"
    }
  }
}
