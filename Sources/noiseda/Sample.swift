// `noiseda sample`: draws images from a checkpoint's sampler without a degraded input
// (unconditional sampling from a trained prior), seeded, written as PNG files.
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct Sample: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Draw images from a checkpoint's sampler (methods that restore by sampling).")

  @Option(help: "Checkpoint (.h5) written by noiseda train.")
  var checkpoint: String
  @Option(help: "Output folder (sample-<i>.png).")
  var output: String
  @Option(help: "Images to draw.")
  var count: Int = 4
  @Option(help: "Image height and width.")
  var size: Int = 64
  @OptionGroup var sampling: SamplerOptions

  func validate() throws {
    guard count >= 1, size >= 1 else { throw ValidationError("--count and --size must be at least 1") }
  }

  func run() throws {
    let saved = try SavedModel.load(checkpoint, ema: !sampling.noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    var rng = sampling.generator
    let images = try saved.samples(count: count, height: size, width: size, options: sampling.restoration, using: &rng)
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    for (i, image) in images.enumerated() {
      let path = "\(output)/sample-\(i).png"
      try ImageFile.write(RGBImage(tensor: image, range: saved.pixelRange), to: path)
      print("wrote \(path)")
    }
  }
}
