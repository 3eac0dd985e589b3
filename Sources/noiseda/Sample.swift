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
  @Option(help: "Network evaluations (NFE; default: the method's own).")
  var nfe: Int?
  @Flag(name: .customLong("ot-ode"), help: "Sample without noise (I2SB's OT-ODE).")
  var otODE = false
  @Option(help: "Seed of the random draws (the same seed draws the same images).")
  var seed: UInt64 = 0
  @Flag(name: .customLong("no-ema"), help: "Use the raw weights instead of the EMA copy.")
  var noEMA = false

  func validate() throws {
    guard count >= 1, size >= 1 else { throw ValidationError("--count and --size must be at least 1") }
  }

  func run() throws {
    let saved = try SavedModel.load(checkpoint, ema: !noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    var rng = PhiloxRandom(seed: seed)
    let images = try saved.samples(count: count, height: size, width: size, options: RestorationOptions(steps: nfe, deterministic: otODE), using: &rng)
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    for (i, image) in images.enumerated() {
      let path = "\(output)/sample-\(i).png"
      try ImageFile.write(RGBImage(tensor: image, range: saved.pixelRange), to: path)
      print("wrote \(path)")
    }
  }
}
