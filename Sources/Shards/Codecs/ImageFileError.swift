// ImageFileError: why an image file could not be read or written, naming the file.

/// A user-facing image I/O failure; the description is one line naming the file.
public enum ImageFileError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read from disk.
  case unreadable(file: String, reason: String)
  /// The bytes are not a PNG or JPEG this reader understands.
  case unknownFormat(file: String)
  /// The decoder rejected the file (corrupt, truncated, unsupported variant).
  case corrupt(file: String, format: String, reason: String)
  /// The image could not be encoded or written.
  case unwritable(file: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let file, let reason): return "cannot read \(file): \(reason)"
    case .unknownFormat(let file): return "\(file) is neither a PNG nor a JPEG file (convert it to PNG first)"
    case .corrupt(let file, let format, let reason): return "\(file) is not a readable \(format) image: \(reason)"
    case .unwritable(let file, let reason): return "cannot write \(file): \(reason)"
    }
  }
}
