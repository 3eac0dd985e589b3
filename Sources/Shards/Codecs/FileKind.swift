// FileKind: what a path names on disk, with symbolic links followed — so that a folder named
// `x.png`, a FIFO (opening one for reading would block), a device or a dangling link is
// reported by kind instead of being opened as an image.
import Foundation

/// The kind of file system entry a path names (after following symbolic links).
public enum FileKind: Equatable, Sendable {
  case regular
  case directory
  /// A FIFO, character or block device, or socket, described as in "a FIFO (named pipe)".
  case special(String)
  /// A symbolic link whose target does not exist.
  case danglingLink(target: String)
  case missing

  /// The kind of `path`.
  public static func of(_ path: String) -> FileKind {
    var info = stat()
    guard stat(path, &info) == 0 else {
      var link = stat()
      guard lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK else { return .missing }
      let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
      return .danglingLink(target: target)
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .directory
    case S_IFIFO: return .special("a FIFO (named pipe)")
    case S_IFCHR: return .special("a character device")
    case S_IFBLK: return .special("a block device")
    case S_IFSOCK: return .special("a socket")
    default: return .special("not a regular file")
    }
  }

  /// Why `path` of this kind cannot be read as an image, nil for a regular file.
  public func problem(_ path: String) -> ImageFileError? {
    switch self {
    case .regular: return nil
    case .directory: return .notAFile(file: path, kind: "a folder")
    case .special(let kind): return .notAFile(file: path, kind: kind)
    case .danglingLink(let target): return .unreadable(file: path, reason: "a symbolic link to \(target), which does not exist")
    case .missing: return .unreadable(file: path, reason: "no such file")
    }
  }
}
