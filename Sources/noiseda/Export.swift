// `noiseda export`: writes a trained restorer in a format other tools load.
import ArgumentParser
import Layers

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export a restorer's weights (safetensors, PyTorch state_dict names).")

  @Option(help: "Output format (safetensors).") var format: String = "safetensors"
  @Option(help: "NoiseDA weight file (.h5).") var weights: String
  @Option(help: "Preset name; default: the one recorded in the weight file.") var model: String?
  @Flag(help: "Export the EMA copy instead of the raw parameters.") var ema = false
  @Option(help: "Output file.") var output: String

  func validate() throws {
    guard format == "safetensors" else { throw ValidationError("--format \(format) is not supported; use --format safetensors") }
  }

  func run() throws {
    try ModelExport.restorerSafetensors(weights: weights, model: model, useEMA: ema, output: output)
    print("wrote \(output)")
  }
}
