// ImageFolderPairs: the (input, output) paths of a command that maps images to images
// (`restore`, `solve`): one file to one file, or every image file directly inside a folder to a
// PNG of the same name in an output folder (created). Subfolders are not searched: they are
// named in one line. Inputs that cannot be used (listed by FolderListing, or failing to read)
// are reported one line each while the others are processed, and the command then fails with a
// count, so a bad file never stops a folder half-way nor passes unnoticed.
import ArgumentParser
import Foundation
import Shards

struct ImageFolderPairs {
  /// Input and output paths, in input order.
  let pairs: [(input: String, output: String)]
  /// Inputs that could not be used so far, with the reason.
  private(set) var failed: [SkippedSource] = []
  /// Entries of the folder that got no pair (they are in `failed` from the start).
  private var unpaired = 0

  /// The pairs for `--input` and `--output`; prints the folder's unusable entries and the
  /// subfolders it does not search.
  init(input: String, output: String) throws {
    switch FileKind.of(input) {
    case .directory: break
    case .regular:
      pairs = [(input, output)]
      return
    case .missing where input.contains("\u{FFFD}"):
      throw ValidationError("--input \(input): the name is not valid UTF-8 (shown with �), which noiseda cannot open; rename it to UTF-8")
    case .missing:
      throw ValidationError("--input \(input) does not exist")
    case let kind:
      throw ValidationError("--input: \(kind.problem(input)!)")
    }
    let listing = try FolderListing(root: input, extensions: ImageFile.extensions, recursive: false)
    guard !listing.files.isEmpty || !listing.unusable.isEmpty else {
      let hint = listing.subfolders.isEmpty ? "" : "; its \(listing.subfolders.count) subfolders are not searched (give one as --input)"
      throw ValidationError("--input \(input) holds no images (\(ImageFile.extensions.sorted().joined(separator: ", ")))\(hint)")
    }
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    // Outputs are NAME.png; two inputs of one stem (a.png, a.jpg) keep their extension (a.jpg.png).
    let stem = { (path: String) in URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
    let stems = Dictionary(grouping: listing.files, by: stem)
    pairs = listing.files.map { file in
      let name = stems[stem(file)]!.count > 1 ? URL(fileURLWithPath: file).lastPathComponent : stem(file)
      return (file, URL(fileURLWithPath: output).appendingPathComponent(name + ".png").path)
    }
    if !listing.subfolders.isEmpty {
      warn("\(input): \(listing.subfolders.count) subfolders not searched (only the images directly inside --input are read)")
    }
    for entry in listing.unusable { fail(entry) }
    unpaired = listing.unusable.count
  }

  /// The image at `path`, or nil when it cannot be read (recorded and printed, not thrown).
  mutating func read(_ path: String, maxPixels: Int) -> RGBImage? {
    do {
      let decoded = try ImageFile.read(path, maxPixels: maxPixels)
      decoded.warnings.forEach { warn("\(path): \($0)") }
      return decoded.image
    } catch {
      fail(SkippedSource(path: path, reason: "\(error)"))
      return nil
    }
  }

  /// Throws one line when any input could not be used (after the others were processed).
  func finish(verb: String) throws {
    guard !failed.isEmpty else { return }
    let total = pairs.count + unpaired
    throw InputsFailed(description: "\(verb) \(total - failed.count) of \(total) images; \(failed.count) could not be read (listed above)")
  }

  /// The closing error of a folder some of whose inputs failed (exit status 1, no usage text).
  struct InputsFailed: Error, CustomStringConvertible {
    let description: String
  }

  private mutating func fail(_ source: SkippedSource) {
    failed.append(source)
    warn("skipped \(source.path): \(source.reason)")
  }
}

/// One line on standard error.
private func warn(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
