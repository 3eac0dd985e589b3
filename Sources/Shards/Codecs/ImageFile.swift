// ImageFile: reading an image file of either format (chosen by its signature bytes, not its
// name; a path that is not a regular file refused by kind; the decoded-pixel limit checked from
// the header; EXIF orientation applied) and writing PNG or JPEG by extension — what the
// converter, `restore` and `solve` call.
import Foundation

/// File-level image I/O over `PNGCodec` and `JPEGCodec`.
public enum ImageFile {
  /// Lower-case file extensions the converter treats as images.
  public static let extensions: Set<String> = ["png", "jpg", "jpeg"]
  /// Decoded pixels allowed per image unless a command's `--max-megapixels` says otherwise:
  /// 200 MP, far above any camera's photo, far below a decompression bomb's claim.
  public static let defaultMaxPixels = 200_000_000

  /// Reads `path` as RGB uint8, turned upright by its EXIF orientation; every failure is an
  /// `ImageFileError` naming the file. Images above `maxPixels` are refused before decoding.
  public static func read(_ path: String, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
    if let problem = FileKind.of(path).problem(path) { throw problem }
    let bytes: [UInt8]
    do {
      bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw ImageFileError.unreadable(file: path, reason: (error as NSError).localizedDescription)
    }
    var decoded: DecodedImage
    if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
      decoded = try PNGCodec.decode(bytes, name: path, maxPixels: maxPixels)
    } else if bytes.starts(with: [0xFF, 0xD8]) {
      decoded = try JPEGCodec.decode(bytes, name: path, maxPixels: maxPixels)
    } else {
      throw ImageFileError.unknownFormat(file: path)
    }
    if let orientation = ExifOrientation.of(bytes) { decoded.image = orientation.apply(to: decoded.image) }
    return decoded
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
