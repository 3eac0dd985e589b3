// HDF5Error: every failed libhdf5 call becomes one typed, one-line error naming the call, the
// file and the object, with the innermost message of HDF5's own error stack; a file driver's
// report of a failed read or write is cut to the system's reason ("No space left on device").
// The stack's automatic printing to stderr is switched off on every thread that touches a file
// (a thread-safe libhdf5 keeps one stack per thread, and a loader thread would otherwise print
// ~20 lines per failure), and so is libhdf5's clean-up at exit (see HDF5Library).
import CHDF5
import CShims

/// A failed HDF5 operation: which C call, on which file and object, and why.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
  /// The libhdf5 function (or wrapper step) that failed, e.g. `H5Fopen`.
  public let call: String
  /// The file path as given by the caller.
  public let file: String
  /// The object inside the file (`/`, `/input`, `attribute 'kind' of /`, ...).
  public let object: String
  /// HDF5's innermost error message, or our own reason.
  public let reason: String

  public init(call: String, file: String, object: String, reason: String) {
    self.call = call
    self.file = file
    self.object = object
    self.reason = reason
  }

  public var description: String {
    "HDF5 \(call) failed for \(object) in \(file): \(reason)"
  }
}

/// Library set-up: opened once, and no error-stack printing to stderr on any thread that uses
/// it (we report through `HDF5Error`).
enum HDF5Library {
  private static let opened: Bool = {
    // No clean-up at exit: when a write error makes closing a file fail too (a file-size limit,
    // an I/O error), libhdf5 1.10 frees the file yet keeps its id, and its exit clean-up would
    // crash on that id. NoiseDA closes every file it writes itself (commit or abandon).
    H5dont_atexit()
    _ = H5open()
    return true
  }()

  /// Call before any HDF5 call on the current thread (cheap after the first time per thread).
  static func enter() {
    _ = opened
    noiseda_h5_silence_this_thread()
  }

  /// The most specific message on the current thread's HDF5 error stack, or a fallback.
  static func lastMessage() -> String {
    var messages: [String] = []
    let walker: H5E_walk2_t = { _, error, data in
      guard let error, let data, let desc = error.pointee.desc else { return 0 }
      data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: desc))
      return 0
    }
    withUnsafeMutablePointer(to: &messages) { pointer in
      _ = H5Ewalk2(hid_t(0), H5E_WALK_UPWARD, walker, pointer)
    }
    // Walking upward starts at the innermost (most specific) failure.
    return messages.first.map(brief) ?? "no message from libhdf5"
  }

  /// The file driver's report of a failed read or write ("file write failed: time = …, filename
  /// = …, errno = 28, error message = 'No space left on device', buf = …", over two lines) cut to
  /// its gist, "file write failed: No space left on device"; other messages unchanged.
  static func brief(_ message: String) -> String {
    guard let start = message.range(of: "error message = '"),
      let end = message[start.upperBound...].firstIndex(of: "'")
    else { return message }
    return "\(message.prefix { $0 != ":" }): \(message[start.upperBound..<end])"
  }
}

/// Throws an `HDF5Error` when `result` (an id or status) is negative; returns it otherwise.
@discardableResult
func h5check<T: BinaryInteger>(_ result: T, _ call: String, file: String, object: String) throws -> T {
  if result < 0 {
    throw HDF5Error(call: call, file: file, object: object, reason: HDF5Library.lastMessage())
  }
  return result
}
