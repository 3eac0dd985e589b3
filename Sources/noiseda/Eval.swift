// `noiseda eval`: PSNR/SSIM (RGB and Y) of a checkpoint's restorer on validation shards, per image
// and on average, printed and written as JSON.
import ArgumentParser
import Foundation
import Shards
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

  func run() throws {
    let saved = try Checkpoint.restorer(checkpoint, ema: !noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    let range = saved.pixelRange
    let result = try Validator(folder: data, range: range).run(saved.network)
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
