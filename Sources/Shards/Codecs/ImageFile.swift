// ImageFile: reading an image file of either format (chosen by its signature bytes, not its
// name) and writing PNG or JPEG by extension — what the converter and `restore` call.
import Foundation

/// File-level image I/O over `PNGCodec` and `JPEGCodec`.
public enum ImageFile {
  /// Lower-case file extensions the converter treats as images.
  public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

  /// Reads `path` as RGB uint8; every failure is an `ImageFileError` naming the file.
  public static func read(_ path: String) throws -> RGBImage {
    let bytes: [UInt8]
    do {
      bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw ImageFileError.unreadable(file: path, reason: (error as NSError).localizedDescription)
    }
    if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNGCodec.decode(bytes, name: path) }
    if bytes.starts(with: [0xFF, 0xD8]) { return try JPEGCodec.decode(bytes, name: path) }
    throw ImageFileError.unknownFormat(file: path)
  }

  /// Writes `image` to `path`: JPEG (quality 95) for `.jpg`/`.jpeg`, otherwise PNG.
  public static func write(_ image: RGBImage, to path: String) throws {
    let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
    let bytes: [UInt8]
    do {
      bytes = ext == "jpg" || ext == "jpeg" ? try JPEGCodec.encode(image) : try PNGCodec.encode(image)
    } catch ImageFileError.unwritable(_, let reason) {
      throw ImageFileError.unwritable(file: path, reason: reason)
    }
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw ImageFileError.unwritable(file: path, reason: (error as NSError).localizedDescription)
    }
  }
}
