// PatchDiscriminator: CUT's PatchGAN discriminator D (algorithms.md §2.2; models/networks.py
// NLayerDiscriminator with instance norm and anti-aliased downsampling): conv 4×4 stride 1,
// LeakyReLU 0.2, blur-downsample; per further layer conv 4×4, IN, LeakyReLU, blur-downsample;
// conv 4×4 to ndf·min(2^n_layers, 8), IN, LeakyReLU; conv 4×4 to one logit per patch. All convs
// have padding 1 and a bias; names `model.{i}.…` as the official state dict. Conv weights are
// Xavier normal with gain 0.02 (CUT's init), biases zero.
import Tensors

/// Width and depth of a PatchGAN discriminator.
public struct DiscriminatorConfig: Codable, Equatable, Sendable {
  /// Filters of the first conv (CUT's ndf).
  public var baseChannels: Int
  /// Downsampling conv layers (CUT's n_layers; 3 for the "basic" 70×70 PatchGAN).
  public var layers: Int
  public var inChannels: Int

  public init(baseChannels: Int, layers: Int = 3, inChannels: Int = 3) {
    self.baseChannels = baseChannels
    self.layers = layers
    self.inChannels = inChannels
  }

  /// Channels after conv layer n: ndf · min(2ⁿ, 8) (the official nf_mult).
  func channels(afterLayer n: Int) -> Int { baseChannels * min(1 << n, 8) }
}

/// CUT's discriminator: `[N, in, H, W]` → patch logits `[N, 1, H', W']`. Each 4×4 conv (padding
/// 1) takes one pixel off a side and each downsample halves it rounding up, so
/// H' = ⌊H / 2^n_layers⌋ − 2: 30 for 256 and 6 for 64 with n_layers 3.
public final class PatchDiscriminator: Module, UnaryModule {
  public let config: DiscriminatorConfig
  /// CUT's `model`: the layer list.
  public let model: Sequential
  public var isTraining = true

  public init(_ config: DiscriminatorConfig) {
    precondition(config.baseChannels >= 1 && config.layers >= 1, "PatchDiscriminator: ndf and n_layers must be positive")
    self.config = config
    let weightInit = ParameterInit.xavierNormal(gain: 0.02)
    func conv(_ cin: Int, _ cout: Int) -> Conv2d { Conv2d(cin, cout, kernelSize: 4, padding: 1, weightInit: weightInit) }
    let ndf = config.baseChannels
    var layers: [UnaryModule] = [
      conv(config.inChannels, ndf), Activation(.leakyRelu(slope: 0.2)), AntiAliasedDownsample(channels: ndf),
    ]
    for n in 1..<config.layers {
      let (cin, cout) = (config.channels(afterLayer: n - 1), config.channels(afterLayer: n))
      layers += [
        conv(cin, cout), InstanceNorm(channels: cout), Activation(.leakyRelu(slope: 0.2)),
        AntiAliasedDownsample(channels: cout),
      ]
    }
    let (cin, cout) = (config.channels(afterLayer: config.layers - 1), config.channels(afterLayer: config.layers))
    layers += [conv(cin, cout), InstanceNorm(channels: cout), Activation(.leakyRelu(slope: 0.2)), conv(cout, 1)]
    model = Sequential(layers)
  }

  public var children: [(String, Module)] { [("model", model)] }

  public var layerDescription: String { "PatchDiscriminator(ndf=\(config.baseChannels), n_layers=\(config.layers))" }

  /// D(x): `[N, in, H, W]` → `[N, 1, H', W']`, one logit per overlapping patch.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4, x.shape[1] == config.inChannels else {
      throw TensorError.invalidArgument(op: "PatchDiscriminator", reason: "input \(x.shape) must be [N, \(config.inChannels), H, W]")
    }
    return try model(x)
  }
}
