// `noiseda eval`: PSNR/SSIM (RGB and Y) of a checkpoint's method (its restoration: a restorer
// pass or a sampler) on validation shards, per image and on average, printed and written as JSON.
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Score a checkpoint on validation shards (PSNR/SSIM on RGB and Y).")

  @Option(help: "Checkpoint (.h5) written by noiseda train.")
  var checkpoint: String
  @Option(help: "Validation shard folder (noiseda convert --kind val).")
  var data: String
  @Flag(name: .customLong("no-ema"), help: "Score the raw weights instead of the EMA copy.")
  var noEMA = false
  @Option(help: "JSON report path (default: eval.json beside the checkpoint).")
  var json: String?
  @Option(help: "Network evaluations (NFE) of a sampler method (default: the method's own, e.g. i2sb.nfe).")
  var nfe: Int?
  @Flag(name: .customLong("ot-ode"), help: "Sample without noise (I2SB's OT-ODE).")
  var otODE = false
  @Option(help: "Seed of a sampler's random draws.")
  var seed: UInt64 = 0

  func run() throws {
    let saved = try SavedModel.load(checkpoint, ema: !noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    var rng = PhiloxRandom(seed: seed)
    let restoration = try saved.method.restoration(RestorationOptions(steps: nfe, deterministic: otODE))
    let result = try Validator(folder: data, range: saved.pixelRange).run(restoration, using: &rng)
    for (i, q) in result.images.enumerated() {
      print(String(format: "image %3d  PSNR %6.2f dB  SSIM %.4f (RGB)   PSNR %6.2f dB  SSIM %.4f (Y)", i, q.psnrRGB, q.ssimRGB, q.psnrY, q.ssimY))
    }
    let m = result.mean
    print(String(format: "mean       PSNR %6.2f dB  SSIM %.4f (RGB)   PSNR %6.2f dB  SSIM %.4f (Y)  — %d images, step %d, %@ weights",
                 m.psnrRGB, m.ssimRGB, m.psnrY, m.ssimY, result.images.count, saved.step, saved.usedEMA ? "EMA" : "raw"))
    let path = json ?? URL(fileURLWithPath: checkpoint).deletingLastPathComponent().appendingPathComponent("eval.json").path
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(result).write(to: URL(fileURLWithPath: path), options: .atomic)
    print("wrote \(path)")
  }
}
