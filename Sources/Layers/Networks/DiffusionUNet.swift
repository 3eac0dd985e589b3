// DiffusionUNet: Noise-DA's conditional noise predictor ε_θ (algorithms.md §1.3; the released
// guided-diffusion UNet with use_scale_shift_norm and resblock_updown, parameter names as
// there: cond_embed, input_blocks, middle_block, output_blocks, out). Input: the noisy target
// and the condition images stacked on channels, plus one continuous noise level γ = ᾱ per
// sample; output: the predicted noise.
import Tensors

/// Widths, depth and options of a diffusion U-Net.
public struct DiffusionConfig: Codable, Equatable, Sendable {
  /// Input channels: 9 for DA ([ỹ, A, B]), 3 or 6 for other methods.
  public var inChannels: Int
  public var outChannels: Int
  /// Base width (inner_channel); level ℓ has base·mult[ℓ] channels.
  public var baseChannels: Int
  public var channelMultipliers: [Int]
  /// ResBlocks per level (res_blocks).
  public var resBlocks: Int
  /// Downsampling factors at which attention follows each ResBlock (attn_res).
  public var attentionResolutions: [Int]
  /// Channels per attention head (num_head_channels).
  public var headChannels: Int
  public var dropout: Float
  /// GroupNorm groups (32 in the released code).
  public var groups: Int
  /// Whether the middle block has its AttentionBlock (true in the released code).
  public var middleAttention: Bool

  public init(
    inChannels: Int = 9, outChannels: Int = 3, baseChannels: Int = 64, channelMultipliers: [Int] = [1, 2, 4, 8],
    resBlocks: Int = 2, attentionResolutions: [Int] = [16], headChannels: Int = 32, dropout: Float = 0.2,
    groups: Int = 32, middleAttention: Bool = true
  ) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.baseChannels = baseChannels
    self.channelMultipliers = channelMultipliers
    self.resBlocks = resBlocks
    self.attentionResolutions = attentionResolutions
    self.headChannels = headChannels
    self.dropout = dropout
    self.groups = groups
    self.middleAttention = middleAttention
  }

  /// Height and width must be multiples of this (2^(levels−1)).
  public var sizeMultiple: Int { 1 << (channelMultipliers.count - 1) }
  /// Width of the noise-level conditioning vector (4·base).
  public var embedDim: Int { 4 * baseChannels }
}

/// guided-diffusion's EmbedSequential: children "0", "1", … run in order; ResBlocks also get
/// the embedding (and the dropout generator).
public final class EmbedSequential: Module {
  public let layers: [Module]
  public var isTraining = true

  init(_ layers: [Module]) { self.layers = layers }

  public var children: [(String, Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }

  func callAsFunction(_ x: Tensor, emb: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    var h = x
    for layer in layers {
      switch layer {
      case let block as ResBlock: h = try block(h, emb: emb, using: &rng)
      case let attention as SelfAttention: h = try attention(h)
      case let conv as Conv2d: h = try conv(h)
      default: preconditionFailure("EmbedSequential: unsupported layer \(type(of: layer))")
      }
    }
    return h
  }
}

/// ε_θ: `[N, in, H, W]` and noise levels `[N]` → `[N, out, H, W]`, H and W multiples of
/// 2^(levels−1).
public final class DiffusionUNet: Module {
  public let config: DiffusionConfig
  public let condEmbed: NoiseLevelEmbedding
  public let inputBlocks: [EmbedSequential]
  public let middleBlock: EmbedSequential
  public let outputBlocks: [EmbedSequential]
  public let outNorm: GroupNorm
  public let outConv: Conv2d
  public var isTraining = true

  public init(_ config: DiffusionConfig) {
    precondition(!config.channelMultipliers.isEmpty && config.resBlocks >= 1, "DiffusionUNet: needs levels and blocks")
    self.config = config
    let base = config.baseChannels, e = config.embedDim
    func res(_ a: Int, _ b: Int, _ r: ResBlock.Resample = .none) -> ResBlock {
      ResBlock(a, b, embedDim: e, dropout: config.dropout, groups: config.groups, resample: r)
    }
    func attention(_ c: Int) -> SelfAttention {
      SelfAttention(channels: c, headChannels: config.headChannels, groups: config.groups)
    }
    condEmbed = NoiseLevelEmbedding(dim: base, embedDim: e)
    var ch = base * config.channelMultipliers[0]
    var input = [EmbedSequential([Conv2d(config.inChannels, ch, kernelSize: 3, padding: 1)])]
    var skipChannels = [ch]
    var ds = 1
    for (level, mult) in config.channelMultipliers.enumerated() {
      for _ in 0..<config.resBlocks {
        var layers: [Module] = [res(ch, base * mult)]
        ch = base * mult
        if config.attentionResolutions.contains(ds) { layers.append(attention(ch)) }
        input.append(EmbedSequential(layers))
        skipChannels.append(ch)
      }
      if level != config.channelMultipliers.count - 1 {
        input.append(EmbedSequential([res(ch, ch, .down)]))
        skipChannels.append(ch)
        ds *= 2
      }
    }
    inputBlocks = input
    middleBlock = EmbedSequential(
      config.middleAttention ? [res(ch, ch), attention(ch), res(ch, ch)] : [res(ch, ch), res(ch, ch)])
    var output: [EmbedSequential] = []
    for (level, mult) in config.channelMultipliers.enumerated().reversed() {
      for i in 0...config.resBlocks {
        var layers: [Module] = [res(ch + skipChannels.removeLast(), base * mult)]
        ch = base * mult
        if config.attentionResolutions.contains(ds) { layers.append(attention(ch)) }
        if level > 0 && i == config.resBlocks {
          layers.append(res(ch, ch, .up))
          ds /= 2
        }
        output.append(EmbedSequential(layers))
      }
    }
    outputBlocks = output
    outNorm = GroupNorm(groups: config.groups, channels: ch)
    outConv = Conv2d(base * config.channelMultipliers[0], config.outChannels, kernelSize: 3, padding: 1)
  }

  public var children: [(String, Module)] {
    [("cond_embed", condEmbed as Module)]
      + inputBlocks.enumerated().map { ("input_blocks.\($0.offset)", $0.element as Module) }
      + [("middle_block", middleBlock)]
      + outputBlocks.enumerated().map { ("output_blocks.\($0.offset)", $0.element as Module) }
      + [("out.0", outNorm), ("out.2", outConv)]
  }

  public var layerDescription: String {
    "DiffusionUNet(base=\(config.baseChannels), mults=\(config.channelMultipliers), blocks=\(config.resBlocks))"
  }

  /// Predicted noise for inputs `[N, in, H, W]` at noise levels `gammas` (N values of ᾱ);
  /// `rng` drives dropout in training mode.
  public func callAsFunction(_ x: Tensor, gammas: [Float], using rng: inout PhiloxRandom) throws -> Tensor {
    let m = config.sizeMultiple
    guard x.rank == 4, x.shape[1] == config.inChannels, x.shape[2] % m == 0, x.shape[3] % m == 0,
      gammas.count == x.shape[0]
    else {
      throw TensorError.invalidArgument(
        op: "DiffusionUNet",
        reason: "input \(x.shape) with \(gammas.count) noise levels must be [N, \(config.inChannels), H, W] with H, W multiples of \(m) and one level per sample")
    }
    let emb = try condEmbed(gammas)
    var h = x
    var skips: [Tensor] = []
    for block in inputBlocks {
      h = try block(h, emb: emb, using: &rng)
      skips.append(h)
    }
    h = try middleBlock(h, emb: emb, using: &rng)
    for block in outputBlocks {
      h = try block(try Tensor.concat([h, skips.removeLast()], axis: 1), emb: emb, using: &rng)
    }
    return try outConv(try outNorm(h).silu())
  }
}
