// ManifoldFunctionTraining: method `mpe` (algorithms.md §5.6, §6.4; the authors'
// equireg/mpe/train.py): trains EquiReg's MPE function f, a SmallCNN, on clean shards. One role,
// `mpe`. Objectives (`mpe.objective`):
//   equivariance  MSE(f(T_g·x), ρ(g)·f(x)), g drawn from the group's non-identity elements per
//                 batch, as the authors' train_epoch_equivariance;
//   contrastive   NT-Xent (τ = `mpe.temperature`) between projections of two views of each
//                 image; a view is T_g·x for g uniform over the whole group, then with
//                 probability 0.8 a brightness and contrast jitter (factors in [0.6, 1.4]) and with
//                 probability 0.2 grey. The authors' random resized crop (scale 0.5–1) is left out:
//                 the loader's random crops already vary the framing.
// f is never made equivariant by construction: the MPE property (E small on clean images, larger
// off the manifold) is learned from clean data only. `noiseda inspect mpe` measures it.
import Layers
import Tensors

/// Training of an MPE function.
public final class ManifoldFunctionTraining: TrainingMethod {
  static let configKeys: [ConfigKey] = [
    ConfigKey(name: "mpe.objective", defaultValue: .string("equivariance"), help: "equivariance | contrastive"),
    ConfigKey(name: "mpe.group", defaultValue: .string("hflip"), help: "the group f is trained for: hflip | rot90 | rot180"),
    ConfigKey(name: "mpe.channels", defaultValue: .int(16), help: "SmallCNN's first-block channels (the authors' base_channels, 64)", bounds: .count),
    ConfigKey(name: "mpe.blocks", defaultValue: .int(3), help: "SmallCNN's stride-2 blocks (the authors' 4; §6.4 suggests 3)", bounds: .count),
    ConfigKey(name: "mpe.temperature", defaultValue: .double(0.1), help: "NT-Xent temperature of the contrastive objective", bounds: .positive),
    ConfigKey(name: "mpe.projection", defaultValue: .int(64), help: "contrastive projection width", bounds: .count),
    ConfigKey(name: "mpe.projection_hidden", defaultValue: .int(128), help: "contrastive projector's hidden width", bounds: .count),
  ]

  public static let entry = MethodEntry(
    name: "mpe", summary: "EquiReg's MPE function: a small CNN trained on clean shards for equivariance or contrast (algorithms.md §5.6)",
    configKeys: configKeys
  ) { try ManifoldFunctionTraining(settings: $0) }

  /// What f is trained for.
  public enum Objective: String, CaseIterable, Sendable {
    case equivariance, contrastive
  }

  public let name = "mpe"
  public let roles: [NetworkRole]
  public let network: SmallCNN
  public let objective: Objective
  public let group: ImageGroup
  let temperature: Float

  public init(settings: ConfigReading) throws {
    guard let objective = Objective(rawValue: settings.string("mpe.objective")) else {
      throw ConfigError(description: "mpe.objective = '\(settings.string("mpe.objective"))' must be equivariance or contrastive")
    }
    guard let group = ImageGroup(rawValue: settings.string("mpe.group")) else {
      throw ConfigError(description: "mpe.group = '\(settings.string("mpe.group"))' must be one of \(ImageGroup.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let (channels, blocks) = (settings.int("mpe.channels"), settings.int("mpe.blocks"))
    guard channels > 0, (1...6).contains(blocks) else {
      throw ConfigError(description: "mpe.channels = \(channels) must be positive and mpe.blocks = \(blocks) in 1…6")
    }
    temperature = Float(settings.double("mpe.temperature"))
    guard temperature > 0 else { throw ConfigError(description: "mpe.temperature = \(temperature) must be positive (0.1 by default)") }
    let projection = (hidden: settings.int("mpe.projection_hidden"), output: settings.int("mpe.projection"))
    guard projection.hidden > 0, projection.output > 0 else {
      throw ConfigError(description: "mpe.projection and mpe.projection_hidden must be positive")
    }
    self.objective = objective
    self.group = group
    network = SmallCNN(base: channels, blocks: blocks, projection: objective == .contrastive ? projection : nil)
    roles = [NetworkRole(name: "mpe", preset: "small-cnn", module: network, optimizer: .fromOptimKeys(settings))]
  }

  public var dataKinds: [DataKind] { [.clean] }
  public var phases: [TrainingPhase] { [TrainingPhase(name: "mpe", roles: ["mpe"])] }
  public var headlineScalars: [(key: String, label: String)] {
    [(objective == .equivariance ? "loss_equivariance" : "loss_nce", objective == .equivariance ? "loss_equi" : "loss_nce")]
  }
  public var inferenceRoles: [String] { ["mpe"] }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let x = try batch.cleanImages(for: name)
    switch objective {
    case .equivariance:
      let g = 1 + rng.int(below: group.order - 1)
      let loss = try mseLoss(try network.features(try group.apply(g, to: x)), try group.apply(g, to: try network.features(x)))
      return StepLosses(total: loss, scalars: ["loss_equivariance": Double(loss.item)])
    case .contrastive:
      let (first, second) = (try view(x, using: &rng), try view(x, using: &rng))
      let loss = try infoNCELoss(
        try network.project(try network.features(first)), try network.project(try network.features(second)), temperature: temperature)
      return StepLosses(total: loss, scalars: ["loss_nce": Double(loss.item)])
    }
  }

  /// One contrastive view of each image of `x` (no gradient: views are inputs).
  func view(_ x: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try Autograd.withoutGradients {
      let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
      let plane = h * w
      guard group != .rot90 || h == w else {
        throw TensorError.invalidArgument(op: name, reason: "rot90 views need square crops, got \(w)×\(h)")
      }
      let out = Tensor(shape: x.shape, repeating: 0)
      for i in 0..<n {
        let image = try Tensor(shape: [1, c, h, w], values: Array(UnsafeBufferPointer(start: x.data + i * c * plane, count: c * plane)))
        let moved = try group.apply(rng.int(below: group.order), to: image)
        var values = Array(UnsafeBufferPointer(start: moved.data, count: c * plane))
        if rng.uniform() < 0.8 {
          let brightness = rng.uniform(0.6, 1.4), contrast = rng.uniform(0.6, 1.4)
          let mean = values.reduce(0, +) / Float(values.count)
          values = values.map { (($0 - mean) * contrast + mean) * brightness }
        }
        if c == 3 && rng.uniform() < 0.2 {
          for p in 0..<plane {
            let grey = 0.299 * values[p] + 0.587 * values[plane + p] + 0.114 * values[2 * plane + p]
            (values[p], values[plane + p], values[2 * plane + p]) = (grey, grey, grey)
          }
        }
        for (j, v) in values.enumerated() { out.data[i * c * plane + j] = v }
      }
      return out
    }
  }

  /// An MPE function restores nothing.
  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    throw ConfigError(description: "method mpe trains an MPE function for EquiReg: use it with noiseda solve --mpe, or check it with noiseda inspect mpe")
  }

  public func manifoldFunction() throws -> ManifoldFunction {
    ManifoldFunction(group: group) { [network] x in try network.features(x) }
  }
}
