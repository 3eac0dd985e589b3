// `noiseda train`: runs a training job from a YAML config with --set overrides, as one rank or as
// every rank of an mpirun/srun launch; rank 0 prints the run folder and the final summary.
import ArgumentParser
import Comm
import Foundation
import Trainer

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a method (method.name; --help-config lists them) from YAML configs, on one rank or under mpirun.")

  @Option(name: .long, help: "YAML run config (presets in cluster/configs/); repeat to layer files, a later file's keys win; omitted keys take their defaults.")
  var config: [String] = []

  @Option(name: .customLong("set"), help: ArgumentHelp("Override one key, e.g. --set train.steps=200 (repeatable).", valueName: "key=value"))
  var overrides: [String] = []

  @Option(name: .long, help: "Continue a run: 'auto' (newest valid checkpoint in the run folder) or a checkpoint path.")
  var resume: String?

  @Flag(name: .customLong("help-config"), help: "List every config key with its default and meaning, then exit.")
  var helpConfig = false

  func run() throws {
    if helpConfig {
      print(ConfigSchema.reference)
      return
    }
    let resolved = try RunConfig.load(paths: config, overrides: overrides)
    let comm = try Communicators.world()
    let mode: ResumeMode = switch resume {
    case nil: .none
    case "auto": .auto
    case let path?: .path(path)
    }
    do {
      try StepMemoryEstimate(config: resolved).check(resolved)
      let run = try TrainingRun(config: resolved, communicator: comm, resume: mode) { message in
        if comm.rank == 0 { print(message) }
      }
      if comm.rank == 0 {
        print("noiseda train: run folder \(run.folder.path), \(comm.size) rank(s), method \(run.method.name)")
      }
      let summary = try run.run()
      if comm.rank == 0 { print(Train.describe(summary)) }
      try comm.finalize()
    } catch {
      // One rank's failure ends every rank: the message names the rank.
      if comm.size > 1 { comm.abort("noiseda train (rank \(comm.rank)): \(error)", code: 1) }
      throw error
    }
  }

  /// The closing lines: steps, skipped steps, last loss, validation.
  static func describe(_ s: RunSummary) -> String {
    var lines = [
      s.lastStep <= s.firstStep
        ? "nothing to train: the run is already at step \(s.firstStep) (raise train.steps to continue it)"
        : "trained steps \(s.firstStep + 1)…\(s.lastStep)\(s.stoppedBySignal ? " (stopped by signal; resume with --resume auto)" : ""), final loss \(String(format: "%.5f", s.finalLoss)), skipped \(s.skippedSteps)"
    ]
    if let v = s.validation {
      lines.append(String(format: "validation (EMA): PSNR %.2f dB / SSIM %.4f (RGB), PSNR %.2f dB / SSIM %.4f (Y); best PSNR %.2f dB", v.psnrRGB, v.ssimRGB, v.psnrY, v.ssimY, s.bestPSNR ?? v.psnrRGB))
    }
    lines.append("checkpoints and metrics.jsonl in \(s.folder)")
    return lines.joined(separator: "\n")
  }
}
