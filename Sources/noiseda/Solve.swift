// `noiseda solve`: an inverse problem (4× super-resolution, Gaussian deblurring, box or random
// inpainting) solved by diffusion posterior sampling through a `ddpm` prior checkpoint; with
// --measure the input is a clean image, the measurement is made from it and the result scored.
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct Solve: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Solve an inverse problem with a diffusion prior (DPS).")

  @Option(help: "Checkpoint of a ddpm prior (noiseda train --set method.name=ddpm).")
  var prior: String
  @Option(help: "Task: \(MeasurementOperator.Task.allCases.map(\.rawValue).joined(separator: ", ")).")
  var task: String
  @Option(help: "The measurement y as an image (for sr4 the low-resolution image), or with --measure a clean image.")
  var input: String
  @Option(help: "Output image (PNG/JPEG by extension).")
  var output: String
  @Option(help: "Network evaluations (respaced DDPM steps).")
  var steps: Int = 100
  @Option(help: "DPS step size ζ (0.3 for sr4 and gblur, 0.5 for inpainting; 0: plain DDPM sampling).")
  var zeta: Float = 0.3
  @Option(name: .customLong("sigma-y"), help: "Measurement noise σ_y (images in [−1, 1]).")
  var sigmaY: Float = 0.05
  @Flag(help: "The input is clean: make y = A(x) + σ_y·n from it and report PSNR/SSIM against it.")
  var measure = false
  @Option(help: "Seed of the measurement noise, the random-inpainting mask and the sampler.")
  var seed: UInt64 = 0
  @Flag(name: .customLong("no-ema"), help: "Use the raw weights instead of the EMA copy.")
  var noEMA = false

  func validate() throws {
    guard MeasurementOperator.Task(rawValue: task) != nil else {
      throw ValidationError("--task \(task): use one of \(MeasurementOperator.Task.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard steps >= 1, sigmaY >= 0 else { throw ValidationError("--steps must be at least 1 and --sigma-y not negative") }
  }

  func run() throws {
    let saved = try SavedModel.load(prior, ema: !noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    let image = Tensor(image: try ImageFile.read(input), range: saved.pixelRange)
    let solved = try PosteriorSolve.run(
      saved, task: MeasurementOperator.Task(rawValue: task)!, image: image, measure: measure, steps: steps, zeta: zeta,
      noise: sigmaY, seed: seed)
    try ImageFile.write(RGBImage(tensor: solved.restored, range: saved.pixelRange), to: output)
    if let q = solved.quality {
      print(String(format: "PSNR %.2f dB  SSIM %.4f (RGB)   PSNR %.2f dB  SSIM %.4f (Y) against %@", q.psnrRGB, q.ssimRGB, q.psnrY, q.ssimY, input))
    }
    print("wrote \(output)")
  }
}
