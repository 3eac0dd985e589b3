// `noiseda solve`: inverse problems (4× super-resolution, Gaussian or motion deblurring, box or
// random inpainting) solved by diffusion posterior sampling through a `ddpm` prior checkpoint, on
// one image or a folder of same-sized images (solved in batches). With --measure the inputs are
// clean images: the measurements are made from them and the results scored. --mpe names an MPE
// function (method `mpe`): the equivariance error of every result is reported, and --equireg adds
// its penalty to DPS's loss (EquiReg).
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct Solve: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Solve an inverse problem with a diffusion prior (DPS, optionally with EquiReg).")

  @Option(help: "Checkpoint of a ddpm prior (noiseda train --set method.name=ddpm).")
  var prior: String
  @Option(help: "Task: \(MeasurementOperator.Task.allCases.map(\.rawValue).joined(separator: ", ")).")
  var task: String
  @Option(help: "The measurement y as an image (for sr4 the low-resolution image), or with --measure a clean image; or a folder of them.")
  var input: String
  @Option(help: "Output image (PNG/JPEG by extension), or a folder when --input is one.")
  var output: String
  @Option(help: "Network evaluations (respaced DDPM steps).")
  var steps: Int = 100
  @Option(help: "DPS step size ζ (0.3 for sr4, gblur and mblur, 0.5 for inpainting; 0: plain DDPM sampling).")
  var zeta: Float = 0.3
  @Option(name: .customLong("sigma-y"), help: "Measurement noise σ_y (images in [−1, 1]).")
  var sigmaY: Float = 0.05
  @Flag(help: "The input is clean: make y = A(x) + σ_y·n from it and report PSNR/SSIM against it.")
  var measure = false
  @Option(help: "Seed of the measurement noise, the random-inpainting mask, mblur's kernel and the sampler.")
  var seed: UInt64 = 0
  @Option(help: "Images of a folder solved together.")
  var batch: Int = 8
  @Option(help: "Write the per-image and mean figures to this JSON file.")
  var json: String?
  @Flag(name: .customLong("no-ema"), help: "Use the raw weights (of the prior and the MPE function) instead of the EMA copies.")
  var noEMA = false
  @Option(help: "Checkpoint of an MPE function (noiseda train --set method.name=mpe): reports each result's equivariance error.")
  var mpe: String?
  @Flag(help: "Add EquiReg's penalty α(n)·E(x̂₀) of the --mpe function to DPS's loss.")
  var equireg = false
  @Option(help: "EquiReg: α (default 0.01).")
  var alpha: Float?
  @Option(help: "EquiReg: equi_freq, the penalty fires every ⌊1/freq⌋-th step (default 0.1).")
  var freq: Double?
  @Option(help: "EquiReg: constant | cutoff (also off for the last 100 steps) (default constant).")
  var schedule: String?
  @Option(help: "EquiReg: equi | equi_plus (default equi).")
  var form: String?
  @Option(help: "EquiReg: norm | sqnorm | mse (default norm).")
  var reduction: String?
  @Option(help: "EquiReg: hflip | rot90 | rot180 (default: the group the MPE function was trained for).")
  var group: String?
  @OptionGroup var limits: ImageLimitOptions

  func validate() throws {
    guard MeasurementOperator.Task(rawValue: task) != nil else {
      throw ValidationError("--task \(task): use one of \(MeasurementOperator.Task.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard steps >= 1, sigmaY >= 0, batch >= 1 else { throw ValidationError("--steps and --batch must be at least 1 and --sigma-y not negative") }
    guard equireg || [alpha == nil, freq == nil, schedule == nil, form == nil, reduction == nil, group == nil].allSatisfy({ $0 }) else {
      throw ValidationError("--alpha, --freq, --schedule, --form, --reduction and --group set EquiReg's penalty: add --equireg")
    }
    guard !equireg || mpe != nil else { throw ValidationError("--equireg needs --mpe CKPT, a checkpoint of method mpe") }
    _ = try penaltySettings()
  }

  /// EquiReg's settings from the options, or nil without --equireg.
  func penaltySettings() throws -> EquivariancePenalty.Settings? {
    guard equireg else { return nil }
    func parse<T: RawRepresentable & CaseIterable>(_ value: String?, _ option: String) throws -> T? where T.RawValue == String {
      guard let value else { return nil }
      guard let parsed = T(rawValue: value) else {
        throw ValidationError("--\(option) \(value): use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      return parsed
    }
    var settings = EquivariancePenalty.Settings()
    if let alpha { settings.alpha = alpha }
    if let freq {
      guard freq > 0 && freq <= 1 else { throw ValidationError("--freq \(freq) must lie in (0, 1]") }
      settings.frequency = freq
    }
    if let schedule: EquivariancePenalty.Schedule = try parse(schedule, "schedule") { settings.schedule = schedule }
    if let form: EquivariancePenalty.Form = try parse(form, "form") { settings.form = form }
    if let reduction: EquivariancePenalty.Reduction = try parse(reduction, "reduction") { settings.reduction = reduction }
    settings.group = try parse(group, "group")
    return settings
  }

  func run() throws {
    let saved = try SavedModel.load(prior, ema: !noEMA)
    if let warning = saved.emaWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    var manifold: ManifoldFunction?
    if let mpe {
      let function = try SavedModel.load(mpe, ema: !noEMA)
      guard function.pixelRange == saved.pixelRange else {
        throw ValidationError("--mpe \(mpe) was trained on pixels in \(function.pixelRange.bounds), the prior on \(saved.pixelRange.bounds): train both with the same method.task")
      }
      manifold = try function.method.manifoldFunction()
    }
    let settings = PosteriorSolveSettings(
      task: MeasurementOperator.Task(rawValue: task)!, steps: steps, zeta: zeta, noise: sigmaY, measure: measure, manifold: manifold,
      equireg: try penaltySettings())
    var inputs = try ImageFolderPairs(input: input, output: output)
    var report = SolveReport(images: [])
    for (index, start) in stride(from: 0, to: inputs.pairs.count, by: batch).enumerated() {
      let chunk = inputs.pairs[start..<min(start + batch, inputs.pairs.count)].compactMap { pair in
        inputs.read(pair.input, maxPixels: limits.maxPixels).map { (pair, Tensor(image: $0, range: saved.pixelRange)) }
      }
      guard let first = chunk.first else { continue }
      guard chunk.allSatisfy({ $0.1.shape == first.1.shape }) else {
        throw ValidationError("--input \(input): the images of a batch differ in size (\(first.0.input) is \(first.1.shape[3])×\(first.1.shape[2])); solve them separately or with --batch 1")
      }
      let solved = try PosteriorSolve.run(saved, images: try Tensor.concat(chunk.map(\.1), axis: 0), settings: settings, seed: seed &+ UInt64(index))
      for (i, (pair, _)) in chunk.enumerated() {
        try ImageFile.write(RGBImage(tensor: solved.restored, index: i, range: saved.pixelRange), to: pair.output)
        let entry = SolveReport.Image(input: pair.input, output: pair.output, quality: solved.quality?[i], equivarianceError: solved.equivarianceError?[i])
        print(entry.line)
        report.images.append(entry)
      }
    }
    if report.images.count > 1 { print(report.meanLine) }
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
      print("wrote \(json)")
    }
    try inputs.finish(verb: "solved")
  }
}
