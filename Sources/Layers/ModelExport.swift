// ModelExport: turns a NoiseDA weight file (or a restorer already loaded) into a safetensors file that a PyTorch module with
// the same parameter names (Tests/reference/torch_restorer.py for the restorer) loads with
// load_state_dict(strict=True).
import Tensors

/// Weight-file → safetensors conversion for restorer presets.
public enum ModelExport {
  /// Reads `weights` (the `ema` copy when `useEMA`) for preset `model` (default: the file's
  /// `model` attribute) and writes its parameters to `output` as safetensors.
  public static func restorerSafetensors(weights: String, model: String?, useEMA: Bool, output: String) throws {
    let name = try model ?? WeightFile.modelName(weights)
    let spec = try ModelPresets.spec(named: name)
    guard case .restorer = spec else {
      throw LayersError.weightFile(
        path: weights, reason: "model '\(name)' is not a restorer; safetensors export writes restorer presets (unet-*) only")
    }
    let store = ParameterStore(module: spec.build())
    try WeightFile.load(weights, into: store, useEMA: useEMA)
    try restorerSafetensors(store, model: name, usedEMA: useEMA, output: output)
  }

  /// Writes the restorer parameters of `store` (preset `model`) to `output` as safetensors.
  public static func restorerSafetensors(_ store: ParameterStore, model: String, usedEMA: Bool, output: String) throws {
    try Safetensors.write(
      store.namedViews(of: store.values), to: output, metadata: ["format": "pt", "model": model, "source": usedEMA ? "ema" : "parameters"])
  }
}
