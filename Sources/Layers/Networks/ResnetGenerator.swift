// ResnetGenerator: CUT's generator G (algorithms.md §2.1; models/networks.py ResnetGenerator with
// instance norm, no dropout, anti-aliased down- and upsampling). One sequential layer list —
// reflect pad 3, conv 7×7, IN, ReLU; per down stage conv 3×3, IN, ReLU, blur-downsample;
// ResnetBlocks; per up stage blur-upsample, conv 3×3, IN, ReLU; reflect pad 3, conv 7×7, tanh —
// whose indices PatchNCE uses to pick its feature maps, and parameter names `model.{i}.…` as the
// official state dict. Conv weights are Xavier normal with gain 0.02 (CUT's init), biases zero.
import Tensors

/// Widths and depth of a ResnetGenerator.
public struct GeneratorConfig: Codable, Equatable, Sendable {
  /// Filters of the first conv (CUT's ngf); after down stage i there are 2^(i+1)·ngf.
  public var baseChannels: Int
  /// ResnetBlocks at the bottleneck (9 in resnet_9blocks).
  public var resnetBlocks: Int
  /// Down stages, and as many up stages (CUT's n_downsampling = 2).
  public var stages: Int
  public var inChannels: Int
  public var outChannels: Int

  public init(baseChannels: Int, resnetBlocks: Int = 9, stages: Int = 2, inChannels: Int = 3, outChannels: Int = 3) {
    self.baseChannels = baseChannels
    self.resnetBlocks = resnetBlocks
    self.stages = stages
    self.inChannels = inChannels
    self.outChannels = outChannels
  }

  /// Height and width must be multiples of this (2^stages) for the output to match the input.
  public var sizeMultiple: Int { 1 << stages }
}

/// CUT's generator: `[N, in, H, W]` in [−1, 1] → `[N, out, H, W]` in [−1, 1], H and W multiples
/// of 2^stages. With two stages the layer indices are CUT's: 0 the padded input, 4 and 8 the
/// down-stage convs (before their norm), 12… the ResnetBlocks.
public final class ResnetGenerator: Module, UnaryModule {
  public let config: GeneratorConfig
  /// CUT's `model`: the layer list.
  public let model: Sequential
  /// Output channels of each layer of `model`.
  private let layerChannels: [Int]
  public var isTraining = true

  public init(_ config: GeneratorConfig) {
    precondition(
      config.baseChannels >= 1 && config.resnetBlocks >= 0 && config.stages >= 0,
      "ResnetGenerator: widths must be positive, block and stage counts non-negative")
    self.config = config
    let weightInit = ParameterInit.xavierNormal(gain: 0.02)
    var layers: [UnaryModule] = []
    var channels: [Int] = []
    func add(_ layer: UnaryModule, outputs c: Int) {
      layers.append(layer)
      channels.append(c)
    }
    func addConvNormReLU(_ cin: Int, _ cout: Int) {
      add(Conv2d(cin, cout, kernelSize: 3, padding: 1, weightInit: weightInit), outputs: cout)
      add(InstanceNorm(channels: cout), outputs: cout)
      add(Activation(.relu), outputs: cout)
    }
    var c = config.baseChannels
    add(Pad2d(3, mode: .reflect), outputs: config.inChannels)
    add(Conv2d(config.inChannels, c, kernelSize: 7, weightInit: weightInit), outputs: c)
    add(InstanceNorm(channels: c), outputs: c)
    add(Activation(.relu), outputs: c)
    for _ in 0..<config.stages {
      addConvNormReLU(c, 2 * c)
      c *= 2
      add(AntiAliasedDownsample(channels: c), outputs: c)
    }
    for _ in 0..<config.resnetBlocks { add(ResnetBlock(channels: c, weightInit: weightInit), outputs: c) }
    for _ in 0..<config.stages {
      add(AntiAliasedUpsample(channels: c), outputs: c)
      addConvNormReLU(c, c / 2)
      c /= 2
    }
    add(Pad2d(3, mode: .reflect), outputs: c)
    add(Conv2d(c, config.outChannels, kernelSize: 7, weightInit: weightInit), outputs: config.outChannels)
    add(Activation(.tanh), outputs: config.outChannels)
    model = Sequential(layers)
    layerChannels = channels
  }

  public var children: [(String, Module)] { [("model", model)] }

  public var layerDescription: String {
    "ResnetGenerator(ngf=\(config.baseChannels), blocks=\(config.resnetBlocks), stages=\(config.stages))"
  }

  /// Number of layers in the list (32 for resnet_9blocks); feature indices lie in `0..<layerCount`.
  public var layerCount: Int { layerChannels.count }

  /// G(x): `[N, in, H, W]` → `[N, out, H, W]`, values in [−1, 1].
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try checkInput(x)
    return try model(x)
  }

  /// The outputs of the layers at `layers`, in that order, as CUT's
  /// `netG(x, layers, encode_only=True)`: runs only up to the deepest layer asked for. Layer `i`'s
  /// output is `[N, featureChannels(at: [i])[0], H', W']` (H' = H / 2^(down stages passed)).
  public func features(_ x: Tensor, layers: [Int]) throws -> [Tensor] {
    try checkInput(x)
    try checkLayers(layers)
    return try model.outputs(x, at: layers)
  }

  /// The channel count of each layer's output in `layers` (e.g. [3, 128, 256, 256, 256] for
  /// [0, 4, 8, 12, 16] with ngf 64), for sizing the projection heads before any forward pass.
  public func featureChannels(at layers: [Int]) throws -> [Int] {
    try checkLayers(layers)
    return layers.map { layerChannels[$0] }
  }

  private func checkLayers(_ layers: [Int]) throws {
    if let bad = layers.first(where: { !layerChannels.indices.contains($0) }) {
      throw TensorError.invalidArgument(
        op: "ResnetGenerator", reason: "feature layer \(bad) does not exist; the generator has layers 0..<\(layerCount)")
    }
  }

  private func checkInput(_ x: Tensor) throws {
    let m = config.sizeMultiple
    guard x.rank == 4, x.shape[1] == config.inChannels, x.shape[2] % m == 0, x.shape[3] % m == 0 else {
      throw TensorError.invalidArgument(
        op: "ResnetGenerator",
        reason: "input \(x.shape) must be [N, \(config.inChannels), H, W] with H and W multiples of \(m); crop or pad it")
    }
  }
}
