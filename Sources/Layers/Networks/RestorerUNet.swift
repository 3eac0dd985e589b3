// RestorerUNet: the restoration network G of Noise-DA (algorithms.md §1.2; the released
// models/net/UNet.py, parameter names identical so that its state_dict loads). Depth D levels
// of ConvBlocks (conv 3×3, LeakyReLU 0.2, twice) with 2×2 average pooling between them; a
// decoder of bilinear ×2 (align_corners) → conv 3×3 → concat [up, skip] → ConvBlock; a 3×3
// head producing the residual R; output ŷ = x + R(x). No normalisation layers.
import Tensors

/// Width, depth and channel counts of a restorer.
public struct RestorerConfig: Codable, Equatable, Sendable {
  /// Channels of the first level C (level i has 2ⁱ·C).
  public var width: Int
  /// Number of levels D (D − 1 poolings).
  public var depth: Int
  public var inChannels: Int
  public var outChannels: Int
  /// LeakyReLU negative slope.
  public var slope: Float

  public init(width: Int, depth: Int = 4, inChannels: Int = 3, outChannels: Int = 3, slope: Float = 0.2) {
    self.width = width
    self.depth = depth
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.slope = slope
  }

  /// Height and width must be multiples of this (2^(D−1)).
  public var sizeMultiple: Int { 1 << (depth - 1) }
}

/// conv 3×3 → LeakyReLU → conv 3×3 → LeakyReLU (`UNetConvBlock`, names `block.0`, `block.2`).
public final class RestorerConvBlock: Module {
  public let conv1: Conv2d
  public let conv2: Conv2d
  let slope: Float
  public var isTraining = true

  init(_ inChannels: Int, _ outChannels: Int, slope: Float) {
    conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1)
    conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1)
    self.slope = slope
  }

  public var children: [(String, Module)] { [("block.0", conv1), ("block.2", conv2)] }

  /// `[N, in, H, W]` → `[N, out, H, W]`.
  func callAsFunction(_ x: Tensor) throws -> Tensor {
    try conv2(try conv1(x).leakyRelu(slope: slope)).leakyRelu(slope: slope)
  }
}

/// Bilinear ×2 → conv 3×3 → concat with the skip → ConvBlock (`UNetUpBlock`).
public final class RestorerUpBlock: Module {
  public let convUp: Conv2d
  public let convBlock: RestorerConvBlock
  public var isTraining = true

  init(_ inChannels: Int, _ outChannels: Int, slope: Float) {
    convUp = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1)
    convBlock = RestorerConvBlock(inChannels, outChannels, slope: slope)
  }

  public var children: [(String, Module)] { [("conv_up", convUp), ("conv_block", convBlock)] }

  /// `[N, 2c, H, W]` and skip `[N, c, 2H, 2W]` → `[N, c, 2H, 2W]`.
  func callAsFunction(_ x: Tensor, skip: Tensor) throws -> Tensor {
    let up = try convUp(x.upsampleBilinear2x(alignCorners: true))
    return try convBlock(try Tensor.concat([up, skip], axis: 1))
  }
}

/// The restorer G: `[N, 3, H, W]` → `[N, 3, H, W]`, H and W multiples of 2^(D−1).
public final class RestorerUNet: Module {
  public let config: RestorerConfig
  public let downPath: [RestorerConvBlock]
  public let upPath: [RestorerUpBlock]
  public let last: Conv2d
  public var isTraining = true

  public init(_ config: RestorerConfig) {
    precondition(config.depth >= 1 && config.width >= 1, "RestorerUNet: depth and width must be positive")
    self.config = config
    var down: [RestorerConvBlock] = []
    var previous = config.inChannels
    for i in 0..<config.depth {
      down.append(RestorerConvBlock(previous, config.width << i, slope: config.slope))
      previous = config.width << i
    }
    var up: [RestorerUpBlock] = []
    for i in (0..<(config.depth - 1)).reversed() {
      up.append(RestorerUpBlock(previous, config.width << i, slope: config.slope))
      previous = config.width << i
    }
    downPath = down
    upPath = up
    last = Conv2d(previous, config.outChannels, kernelSize: 3, padding: 1)
  }

  public var children: [(String, Module)] {
    downPath.enumerated().map { ("down_path.\($0.offset)", $0.element as Module) }
      + upPath.enumerated().map { ("up_path.\($0.offset)", $0.element as Module) } + [("last", last)]
  }

  public var layerDescription: String { "RestorerUNet(C=\(config.width), D=\(config.depth))" }

  /// The predicted residual R(x): `[N, in, H, W]` → `[N, out, H, W]`.
  public func residual(_ x: Tensor) throws -> Tensor {
    try checkInput(x)
    var h = x
    var skips: [Tensor] = []
    for (i, block) in downPath.enumerated() {
      h = try block(h)
      if i != downPath.count - 1 {
        skips.append(h)
        h = try h.avgPool2d(kernel: 2, stride: 2)
      }
    }
    for block in upPath { h = try block(h, skip: skips.removeLast()) }
    return try last(h)
  }

  /// ŷ = x + R(x) (requires in = out channels).
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try x + residual(x)
  }

  /// Inference on any size: replicate-pads H and W up to a multiple of 2^(D−1), runs, crops back
  /// (Noise-DA's test_split_fn without the quadrant split).
  public func restorePadded(_ x: Tensor) throws -> Tensor {
    let m = config.sizeMultiple
    let (h, w) = (x.shape[2], x.shape[3])
    let (ph, pw) = ((m - h % m) % m, (m - w % m) % m)
    if ph == 0 && pw == 0 { return try self(x) }
    let y = try self(try x.padded(top: 0, bottom: ph, left: 0, right: pw, mode: .replicate))
    return try y.slice(axis: 2, range: 0..<h).slice(axis: 3, range: 0..<w)
  }

  private func checkInput(_ x: Tensor) throws {
    let m = config.sizeMultiple
    guard x.rank == 4, x.shape[1] == config.inChannels, x.shape[2] % m == 0, x.shape[3] % m == 0 else {
      throw TensorError.invalidArgument(
        op: "RestorerUNet",
        reason: "input \(x.shape) must be [N, \(config.inChannels), H, W] with H and W multiples of \(m); pad it (restorePadded does)")
    }
  }
}
