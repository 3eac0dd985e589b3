// ImageFileError: why an image file could not be read or written, naming the file.

/// A user-facing image I/O failure; the description is one line naming the file.
public enum ImageFileError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read from disk.
  case unreadable(file: String, reason: String)
  /// The path names something other than a regular file (a folder, FIFO, device, socket).
  case notAFile(file: String, kind: String)
  /// The bytes are not a PNG or JPEG this reader understands.
  case unknownFormat(file: String)
  /// The decoder rejected the file (corrupt, truncated, unsupported variant).
  case corrupt(file: String, format: String, reason: String)
  /// The header promises more pixels than the decoded-pixel limit allows (nothing was decoded).
  case tooLarge(file: String, width: Int, height: Int, limit: Int)
  /// The image could not be encoded or written.
  case unwritable(file: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let file, let reason): return "cannot read \(file): \(reason)"
    case .notAFile(let file, let kind): return "\(file) is \(kind), not an image file"
    case .unknownFormat(let file): return "\(file) is neither a PNG nor a JPEG file (convert it to PNG first)"
    case .corrupt(let file, let format, let reason): return "\(file) is not a readable \(format) image: \(reason)"
    case .tooLarge(let file, let width, let height, let limit):
      return "\(file) is \(width)×\(height) (\(megapixels(width * height)) megapixels), above the limit of \(megapixels(limit)) megapixels per image; raise it with --max-megapixels if the image is genuine"
    case .unwritable(let file, let reason): return "cannot write \(file): \(reason)"
    }
  }
}

/// `pixels` in megapixels, one decimal.
private func megapixels(_ pixels: Int) -> String {
  String(Double(pixels / 100_000) / 10)
}
