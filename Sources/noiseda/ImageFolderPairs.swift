// ImageFolderPairs: the (input, output) paths of a command that maps images to images
// (`restore`, `solve`): one file to one file, or every image of a folder to a PNG of the same
// name in an output folder (created).
import ArgumentParser
import Foundation
import Shards

enum ImageFolderPairs {
  /// The pairs for `--input` and `--output`.
  static func pairs(input: String, output: String) throws -> [(input: String, output: String)] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
      throw ValidationError("--input \(input) does not exist")
    }
    guard isFolder.boolValue else { return [(input, output)] }
    let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
      .filter { ImageFile.extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
    guard !names.isEmpty else { throw ValidationError("--input \(input) holds no images (\(ImageFile.extensions.sorted().joined(separator: ", ")))") }
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    return names.map { ("\(input)/\($0)", "\(output)/\(URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent).png") }
  }
}
