// ModelPresets: the named networks users pick in configs and on the command line — the
// restorer sizes of the paper (unet-t/s/b), the diffusion sizes of appendix A4.6 and the
// released config, the small CPU reproduction sizes of algorithms.md §6.1, CUT's generator and
// discriminator at paper and CPU size (§2.1–2.2, §6.2), and tiny test nets.
import Tensors

/// A network architecture: which family and its configuration.
public enum ModelSpec: Equatable, Sendable {
  case restorer(RestorerConfig)
  case diffusion(DiffusionConfig)
  case generator(GeneratorConfig)
  case discriminator(DiscriminatorConfig)

  /// A freshly built (zero-valued, uninitialised) network of this architecture.
  public func build() -> Module {
    switch self {
    case .restorer(let c): return RestorerUNet(c)
    case .diffusion(let c): return DiffusionUNet(c)
    case .generator(let c): return ResnetGenerator(c)
    case .discriminator(let c): return PatchDiscriminator(c)
    }
  }

  /// Input channels the network expects.
  public var inChannels: Int {
    switch self {
    case .restorer(let c): return c.inChannels
    case .diffusion(let c): return c.inChannels
    case .generator(let c): return c.inChannels
    case .discriminator(let c): return c.inChannels
    }
  }

  /// Input height and width must be multiples of this.
  public var sizeMultiple: Int {
    switch self {
    case .restorer(let c): return c.sizeMultiple
    case .diffusion(let c): return c.sizeMultiple
    case .generator(let c): return c.sizeMultiple
    case .discriminator: return 1
    }
  }
}

/// The registry of named architectures.
public enum ModelPresets {
  /// The small image-to-image U-Net of algorithms.md §6.3–6.4 (3 channels in and out; base 32,
  /// mults [1, 2, 2], one ResBlock per level, no attention): I2SB's bridge and the DDPM prior.
  static let imageToImageCPU = DiffusionConfig(
    inChannels: 3, baseChannels: 32, channelMultipliers: [1, 2, 2], resBlocks: 1, attentionResolutions: [], dropout: 0,
    groups: 8, middleAttention: false)

  /// Every preset, in display order.
  public static let all: [(name: String, spec: ModelSpec)] = [
    ("unet-t", .restorer(RestorerConfig(width: 32))),  // 2,141,475 parameters
    ("unet-s", .restorer(RestorerConfig(width: 64))),  // 8,559,171 (the paper's restorer)
    ("unet-b", .restorer(RestorerConfig(width: 76))),
    ("unet-cpu", .restorer(RestorerConfig(width: 16, depth: 3))),  // §6.1, 130,259
    ("unet-tiny", .restorer(RestorerConfig(width: 8, depth: 3))),
    ("diffusion-t", .diffusion(DiffusionConfig(baseChannels: 32, channelMultipliers: [1, 1, 2, 2]))),
    ("diffusion-s", .diffusion(DiffusionConfig(baseChannels: 32, channelMultipliers: [1, 2, 4, 4]))),
    ("diffusion-b", .diffusion(DiffusionConfig(baseChannels: 64, channelMultipliers: [1, 2, 4, 8]))),
    ("diffusion-paper", .diffusion(DiffusionConfig())),
    (
      "diffusion-cpu",
      .diffusion(
        DiffusionConfig(
          baseChannels: 32, channelMultipliers: [1, 2, 2], resBlocks: 1, attentionResolutions: [], dropout: 0,
          groups: 8, middleAttention: false))
    ),
    // I2SB's bridge networks (algorithms.md §4.4, §6.3): 3 channels in and out (6 in with cond_x1).
    ("i2sb-cpu", .diffusion(imageToImageCPU)),
    // EquiReg's DDPM prior at CPU size (algorithms.md §6.4), the same network as i2sb-cpu.
    ("ddpm-cpu", .diffusion(imageToImageCPU)),
    (
      "i2sb-paper",
      .diffusion(
        DiffusionConfig(
          inChannels: 3, baseChannels: 256, channelMultipliers: [1, 1, 2, 2, 4, 4], resBlocks: 2, attentionResolutions: [8, 16, 32],
          headChannels: 64, dropout: 0, groups: 32))
    ),
    (
      "diffusion-tiny",
      .diffusion(
        DiffusionConfig(
          baseChannels: 16, channelMultipliers: [1, 2], resBlocks: 1, attentionResolutions: [], headChannels: 16,
          dropout: 0, groups: 8))
    ),
    // CUT (algorithms.md §2.1–2.2): resnet_9blocks and the basic PatchGAN, and the §6.2 CPU sizes.
    ("cut-paper", .generator(GeneratorConfig(baseChannels: 64, resnetBlocks: 9))),  // 11,378,179
    ("cut-cpu", .generator(GeneratorConfig(baseChannels: 16, resnetBlocks: 3))),  // 272,515
    ("patchgan-paper", .discriminator(DiscriminatorConfig(baseChannels: 64, layers: 3))),  // 2,764,737
    ("patchgan-cpu", .discriminator(DiscriminatorConfig(baseChannels: 16, layers: 2))),  // 42,865
  ]

  /// Preset names, in display order.
  public static var names: [String] { all.map(\.name) }

  /// The architecture named `name`; throws `LayersError.unknownPreset` listing the known names.
  public static func spec(named name: String) throws -> ModelSpec {
    guard let found = all.first(where: { $0.name == name }) else {
      throw LayersError.unknownPreset(name: name, known: names)
    }
    return found.spec
  }
}
