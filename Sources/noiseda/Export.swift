// `noiseda export`: writes a trained restorer in a format other tools load.
import ArgumentParser
import Layers
import Trainer

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export a restorer's weights (safetensors, PyTorch state_dict names).")

  @Option(help: "Output format (safetensors).") var format: String = "safetensors"
  @Option(help: "A run's checkpoint (step-N.h5, best.h5) or a NoiseDA weight file (.h5).") var weights: String
  @Option(help: "Preset name of a weight file; default: the one recorded in it (a checkpoint names its own).")
  var model: String?
  @Flag(help: "Export the EMA copy instead of the raw parameters.") var ema = false
  @Option(help: "Output file.") var output: String

  func validate() throws {
    guard format == "safetensors" else { throw ValidationError("--format \(format) is not supported; use --format safetensors") }
  }

  func run() throws {
    if Checkpoint.isCheckpoint(weights) {
      let saved = try SavedModel.load(weights, ema: ema)
      let (store, preset) = try saved.restorer()
      if let model, model != preset {
        throw TrainerError.checkpoint(path: weights, reason: "holds a \(preset) restorer, not \(model); drop --model")
      }
      if ema && !saved.usedEMA { print("warning: \(weights) stores no EMA copy; exporting its raw parameters") }
      try ModelExport.restorerSafetensors(store, model: preset, usedEMA: saved.usedEMA, output: output)
    } else {
      try ModelExport.restorerSafetensors(weights: weights, model: model, useEMA: ema, output: output)
    }
    print("wrote \(output)")
  }
}
