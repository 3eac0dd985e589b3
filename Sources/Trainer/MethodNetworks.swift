// MethodNetworks: the networks a training method needs, built from preset names and bound to the
// method — the restorer alone for `vanilla`, the restorer and a 9-channel diffusion net for `da`
// and `da-unpaired`. Training runs and `noiseda bench step` build their steps through it.
import Layers
import Methods
import Tensors

/// The trained networks (restorer first, then the diffusion net) and the method using them.
public struct MethodNetworks {
  public let networks: [TrainedNetwork]
  public let restorer: RestorerUNet
  public let method: TrainingMethod
  /// The diffusion net's architecture as built (9 input channels), for FLOP counts.
  public let diffusionSpec: ModelSpec?

  /// Optimiser and EMA settings shared by every network of a run.
  public struct Optimization {
    public var learningRate: Float = 1e-4
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0
    public var emaDecay: Float = 0.9999
    public var keepsEMA = false

    public init() {}
  }

  /// Builds `method` (`vanilla`, `da`, `da-unpaired`) on the named presets, initialising every
  /// network from `rng` in order (restorer, then diffusion net).
  public init(method name: String, restorer restorerPreset: String, diffusion diffusionPreset: String, diffusionDropout: Float,
              adaptation: AdaptationOptions, optimization o: Optimization, using rng: inout PhiloxRandom) throws {
    guard ["vanilla", "da", "da-unpaired"].contains(name) else {
      throw TrainerError("method '\(name)' is not a method; use vanilla, da or da-unpaired")
    }
    let restorerSpec = try ModelPresets.spec(named: restorerPreset)
    guard case .restorer = restorerSpec else {
      throw TrainerError("'\(restorerPreset)' is not a restorer preset; `noiseda inspect model --help` lists the presets")
    }
    func make(_ role: String, _ preset: String, _ spec: ModelSpec) -> TrainedNetwork {
      TrainedNetwork(role: role, preset: preset, spec: spec, learningRate: o.learningRate, eps: o.eps, weightDecay: o.weightDecay,
                     emaDecay: o.emaDecay, keepsEMA: o.keepsEMA, using: &rng)
    }
    let restorerNet = make("restorer", restorerPreset, restorerSpec)
    restorer = restorerNet.module as! RestorerUNet
    guard name != "vanilla" else {
      networks = [restorerNet]
      method = VanillaRestoration(restorer: restorer)
      diffusionSpec = nil
      return
    }
    guard case .diffusion(var config) = try ModelPresets.spec(named: diffusionPreset) else {
      throw TrainerError("'\(diffusionPreset)' is not a diffusion preset; `noiseda inspect model --help` lists the presets")
    }
    config.inChannels = 9  // [ỹ, A, B]
    config.dropout = diffusionDropout
    let spec = ModelSpec.diffusion(config)
    let diffusion = make("diffusion", diffusionPreset, spec)
    var options = adaptation
    options.unpaired = name == "da-unpaired"
    networks = [restorerNet, diffusion]
    method = try DenoisingAsAdaptation(restorer: restorer, noisePredictor: diffusion.module as! DiffusionUNet, options: options)
    diffusionSpec = spec
  }
}
