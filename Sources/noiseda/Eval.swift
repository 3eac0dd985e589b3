// `noiseda eval`: PSNR/SSIM (RGB and Y) of a checkpoint's method (its restoration: a restorer
// pass or a sampler) on validation shards, per image and on average, printed and written as JSON;
// with --inputs, of the degraded inputs themselves (the score a method has to beat).
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Score a checkpoint on validation shards (PSNR/SSIM on RGB and Y).")

  @Option(help: "Checkpoint (.h5) written by noiseda train.")
  var checkpoint: String?
  @Flag(help: "Score the shards' degraded inputs against their targets instead of a checkpoint.")
  var inputs = false
  @Option(help: "Validation shard folder (noiseda convert --kind val).")
  var data: String
  @Option(help: "JSON report path (default: eval.json beside the checkpoint, or in the shard folder with --inputs).")
  var json: String?
  @OptionGroup var sampling: SamplerOptions

  func validate() throws {
    guard (checkpoint == nil) == inputs else { throw ValidationError("give either --checkpoint or --inputs") }
  }

  func run() throws {
    let restoration: ImageRestoration, range: PixelRange, what: String, folder: URL
    if let checkpoint {
      let saved = try SavedModel.load(checkpoint, ema: !sampling.noEMA)
      if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
      restoration = try saved.method.restoration(sampling.restoration)
      range = saved.pixelRange
      what = "step \(saved.step), \(saved.usedEMA ? "EMA" : "raw") weights"
      folder = URL(fileURLWithPath: checkpoint).deletingLastPathComponent()
    } else {
      (restoration, range, what, folder) = (IdentityRestoration(), .unit, "the degraded inputs", URL(fileURLWithPath: data))
    }
    var rng = sampling.generator
    let result = try Validator(folder: data, range: range).run(restoration, using: &rng)
    for (i, q) in result.images.enumerated() {
      print(String(format: "image %3d  PSNR %6.2f dB  SSIM %.4f (RGB)   PSNR %6.2f dB  SSIM %.4f (Y)", i, q.psnrRGB, q.ssimRGB, q.psnrY, q.ssimY))
    }
    let m = result.mean
    print(String(format: "mean       PSNR %6.2f dB  SSIM %.4f (RGB)   PSNR %6.2f dB  SSIM %.4f (Y)  — %d images, %@",
                 m.psnrRGB, m.ssimRGB, m.psnrY, m.ssimY, result.images.count, what))
    let path = json ?? folder.appendingPathComponent("eval.json").path
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(result).write(to: URL(fileURLWithPath: path), options: .atomic)
    print("wrote \(path)")
  }
}
