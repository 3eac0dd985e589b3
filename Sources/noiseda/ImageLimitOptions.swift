// ImageLimitOptions: `--max-megapixels`, the decoded-pixel limit of the commands that read image
// files (`convert`, `restore`, `solve`): an image whose header promises more is refused before
// anything is decoded or allocated.
import ArgumentParser
import Shards

struct ImageLimitOptions: ParsableArguments {
  @Option(name: .customLong("max-megapixels"), help: "Refuse images whose header promises more megapixels than this, before decoding (decompression bombs).")
  var maxMegapixels: Double = Double(ImageFile.defaultMaxPixels) / 1e6

  /// The limit in pixels.
  var maxPixels: Int { Int(maxMegapixels * 1e6) }

  func validate() throws {
    guard maxMegapixels >= 1e-6, maxMegapixels <= 1e6 else {
      throw ValidationError("--max-megapixels \(maxMegapixels) must lie between 0.000001 and 1000000")
    }
  }
}
