// `noiseda restore`: restores one image or a folder of images (not its subfolders; unreadable
// files listed, the rest restored, then a failing count) with a checkpoint's method (its
// restoration: a restorer pass or a sampler; EMA weights by default), tiled with blended overlaps
// so any size fits in memory. EXIF orientation is applied as `convert` does.
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct Restore: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Restore an image or a folder of images with a trained checkpoint.")

  @Option(help: "Checkpoint (.h5) written by noiseda train.")
  var checkpoint: String
  @Option(help: "Input image (PNG/JPEG) or folder of images (its subfolders are not searched).")
  var input: String
  @Option(help: "Output image (PNG/JPEG by extension) or folder (PNG files).")
  var output: String
  @Option(help: "Tile side for large images.")
  var tile: Int = 512
  @Option(help: "Overlap between tiles, blended linearly.")
  var overlap: Int = 64
  @OptionGroup var sampling: SamplerOptions
  @OptionGroup var limits: ImageLimitOptions

  func validate() throws {
    guard tile > 2 * overlap, overlap >= 0 else { throw ValidationError("--tile \(tile) must exceed twice --overlap \(overlap)") }
  }

  func run() throws {
    let saved = try SavedModel.load(checkpoint, ema: !sampling.noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    let range = saved.pixelRange
    var inputs = try ImageFolderPairs(input: input, output: output)
    let tiled = TiledRestoration(tile: tile, overlap: overlap)
    let restoration = try saved.method.restoration(sampling.restoration)
    var rng = sampling.generator
    for (source, destination) in inputs.pairs {
      guard let image = inputs.read(source, maxPixels: limits.maxPixels) else { continue }
      let restored = try tiled.restore(Tensor(image: image, range: range), with: restoration, using: &rng)
      try ImageFile.write(RGBImage(tensor: restored, range: range), to: destination)
      print("\(source) → \(destination)")
    }
    try inputs.finish(verb: "restored")
  }
}
