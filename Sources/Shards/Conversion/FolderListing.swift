// FolderListing: the image files below a folder, read with readdir so that nothing vanishes
// unlisted — symbolic links are followed (to files and folders, each folder once), and an entry
// with an image extension that cannot be read as one (a dangling link, a FIFO, a device, a name
// that is not valid UTF-8) is returned with its reason instead of being dropped. A folder named
// `x.png` is a folder: searched when recursing, never taken for an image.
import Foundation

/// The image files of a folder and the entries that look like images but cannot be read.
public struct FolderListing: Sendable {
  /// Image files (regular files, or links to them), sorted by path.
  public var files: [String] = []
  /// Entries with an image extension that are not readable files, with the reason, by path.
  public var unusable: [SkippedSource] = []
  /// Folders that were not searched (when not recursing), sorted.
  public var subfolders: [String] = []

  /// Lists `root` (and, when `recursive`, every folder below it) for files whose lower-cased
  /// extension is in `extensions`.
  public init(root: String, extensions: Set<String>, recursive: Bool) throws {
    var visited = Set<[UInt64]>()
    try walk(root, extensions: extensions, recursive: recursive, visited: &visited)
    files.sort()
    unusable.sort { $0.path < $1.path }
    subfolders.sort()
  }

  private mutating func walk(_ folder: String, extensions: Set<String>, recursive: Bool, visited: inout Set<[UInt64]>) throws {
    var info = stat()
    guard stat(folder, &info) == 0, visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else { return }
    guard let directory = opendir(folder) else {
      throw ConversionError.invalidOption("cannot list \(folder): \(String(cString: strerror(errno)))")
    }
    defer { closedir(directory) }
    var names: [[UInt8]] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
      if name != Array(".".utf8) && name != Array("..".utf8) { names.append(name) }
    }
    let base = folder.hasSuffix("/") ? folder : folder + "/"
    for bytes in names {
      guard let name = String(validating: bytes, as: UTF8.self) else {
        let shown = bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
        if extensions.contains(URL(fileURLWithPath: shown).pathExtension.lowercased()) {
          unusable.append(SkippedSource(path: base + shown, reason: FolderListing.notUTF8))
        }
        continue
      }
      let path = base + name
      let kind = FileKind.of(path)
      if kind == .directory {
        if recursive { try walk(path, extensions: extensions, recursive: true, visited: &visited) } else { subfolders.append(path) }
        continue
      }
      guard extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased()) else { continue }
      if let problem = kind.problem(path) { unusable.append(SkippedSource(path: path, reason: "\(problem)")) } else { files.append(path) }
    }
  }

  /// Why a file whose name is not UTF-8 is skipped (NoiseDA's paths are Swift strings).
  static let notUTF8 = "its name is not valid UTF-8 (bytes shown as \\xNN); rename it, e.g. convmv -f latin1 -t utf8 --notest FILE"
}
