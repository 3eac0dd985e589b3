// `noiseda inspect model NAME`: a preset's layer table, parameter count and forward GFLOPs.
import ArgumentParser
import Layers

struct InspectModel: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Print a preset's layers, parameter count and forward GFLOPs at an input size.")

  @Argument(help: "Preset name (\(ModelPresets.names.joined(separator: ", "))).") var name: String
  @Option(help: "Input height and width for output shapes and FLOPs.") var size: Int = 128
  @Flag(help: "Only the layer table and parameter count (no forward pass).") var noTrace = false

  func validate() throws {
    guard ModelPresets.names.contains(name) else {
      throw ValidationError("unknown model '\(name)'; choose one of: \(ModelPresets.names.joined(separator: ", "))")
    }
  }

  func run() throws {
    let spec = try ModelPresets.spec(named: name)
    let summary = noTrace ? ModelSummary(module: spec.build()) : try ModelSummary.traced(spec, size: size)
    print("model: \(name)")
    print(summary.render())
  }
}
