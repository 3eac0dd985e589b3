// SmallCNN: the MPE function f of EquiReg's small-scale plan (algorithms.md §5.6, §6.4; the
// authors' equireg/mpe/models.py): `blocks` × [conv 3×3 stride 2, norm, ReLU] with channels base,
// 2·base, 4·base, 4·base, …; f(x) is the last block's spatial feature map. The authors normalise
// with BatchNorm; the engine has none, so GroupNorm (8 groups, or fewer for narrow layers) stands
// in: it also keeps f(x) of one image independent of the rest of its batch, which a penalty
// evaluated on single images needs. The contrastive objective adds the authors' projector
// (global average pool → Linear(out, hidden) → ReLU → Linear(hidden, projection)); it exists only
// when asked for, so every parameter of the network takes a gradient.
import Layers
import Tensors

/// The conv encoder whose feature map is an MPE function, with an optional projection head.
public final class SmallCNN: Module {
  let convolutions: [Conv2d]
  let norms: [GroupNorm]
  let projector: (hidden: Linear, output: Linear)?
  public var isTraining = true

  /// The feature map's channels.
  public let outChannels: Int

  public init(base: Int, blocks: Int, projection: (hidden: Int, output: Int)? = nil) {
    precondition(base > 0 && blocks > 0, "SmallCNN: base and blocks must be positive")
    var convolutions = [Conv2d](), norms = [GroupNorm]()
    var input = 3, channels = base
    for _ in 0..<blocks {
      convolutions.append(Conv2d(input, channels, kernelSize: 3, stride: 2, padding: 1))
      norms.append(GroupNorm(groups: SmallCNN.groups(channels), channels: channels))
      input = channels
      channels = min(2 * channels, 4 * base)
    }
    self.convolutions = convolutions
    self.norms = norms
    outChannels = input
    projector = projection.map { (Linear(input, $0.hidden), Linear($0.hidden, $0.output)) }
  }

  /// 8 groups, or the largest divisor of `channels` below 8.
  static func groups(_ channels: Int) -> Int { (1...min(8, channels)).last { channels % $0 == 0 }! }

  public var children: [(String, Module)] {
    var named = [(String, Module)]()
    for (i, (conv, norm)) in zip(convolutions, norms).enumerated() {
      named += [("features.\(3 * i)", conv), ("features.\(3 * i + 1)", norm)]
    }
    if let projector { named += [("projector.2", projector.hidden), ("projector.4", projector.output)] }
    return named
  }

  /// f(x): `[N, 3, H, W]` → `[N, outChannels, H/2^blocks, W/2^blocks]`.
  public func features(_ x: Tensor) throws -> Tensor {
    var h = x
    for (conv, norm) in zip(convolutions, norms) { h = try norm(try conv(h)).relu() }
    return h
  }

  /// The projection of pooled features (`[N, outChannels, h, w]` → `[N, projection]`).
  public func project(_ features: Tensor) throws -> Tensor {
    guard let projector else {
      throw TensorError.invalidArgument(op: "SmallCNN", reason: "this network was built without a projection head")
    }
    let pooled = try features.mean(axes: [2, 3])
    return try projector.output(try projector.hidden(pooled).relu())
  }
}
