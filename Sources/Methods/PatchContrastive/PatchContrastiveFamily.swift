// PatchContrastiveFamily: unpaired restoration by patch-wise contrastive learning — CUT (algorithms.md
// §2; method `cut`) and ODCR (§3; method `odcr`) — as TrainingMethods. Data: `data.real` holds the
// degraded domain X (hazy images), `data.clean` the clean domain Y (clear images), drawn
// independently (unpaired). Roles: `generator` G (ResNet generator), `discriminator` D (PatchGAN),
// `heads` (one projection head per NCE layer), and for ODCR `classifier` (DWFC). Each step has two
// phases, D then G with the heads (and classifier) while D is frozen:
//   D:   ½[mean((D(y) − 1)²) + mean(D(G(x))²)]                                     (LSGAN)
//   CUT: λ_GAN·mean((D(G(x)) − 1)²) + λ_NCE·½[NCE(x, G(x)) + NCE(y, G(y))]   (identity NCE on),
//        or λ_NCE·NCE(x, G(x)) alone, with FastCUT's flip equivariance (`cut.flip_equivariance`)
//   ODCR: mean((D(G(x)) − 1)²) + WPNCE + L_CE + NCE(y, G(y))                         (eq. 15)
// NCE(src, tgt): features of G at `cut.nce_layers` for tgt (queries) and src (keys), the same
// `cut.patches` positions per layer (PatchSampling), each through its head, PatchNCE per layer,
// averaged over layers. ODCR's heads have no biases and orthonormal weights (QR at initialisation),
// updated by a Riemannian step and retraction (StiefelManifold) at rate `odcr.orthogonal_lr` in
// place of Adam (`methodUpdate`); ‖ΘᵀΘ − I‖ (the largest over the heads' weights) is logged every
// step as `orthogonality_error`. Adam β1 0.5, β2 0.999, `cut.lr` for every Adam role, constant
// for the first `cut.decay_start` fraction of `train.steps`, then linearly to 0; rank 0 keeps an
// EMA of G only. G's features at the key images are computed without a graph (keys are detached).
// Restores with one pass of G (EMA weights), replicate-padded to its size multiple.
import Layers
import Tensors

/// CUT or ODCR.
public final class PatchContrastiveFamily: TrainingMethod {
  /// The two members.
  public enum Variant: String, Sendable {
    case cut, odcr
  }

  static let sharedKeys: [ConfigKey] = [
    ConfigKey(name: "cut.generator", defaultValue: .string("cut-cpu"), help: "generator preset (cut-cpu, cut-paper)"),
    ConfigKey(name: "cut.discriminator", defaultValue: .string("patchgan-cpu"), help: "discriminator preset (patchgan-cpu, patchgan-paper)"),
    ConfigKey(name: "cut.nce_layers", defaultValue: .ints([0, 4, 8, 12, 14]),
              help: "generator layer indices PatchNCE compares (cut-cpu: input, both down convs, first and last ResnetBlock; CUT's 0,4,8,12,16 for cut-paper)", bounds: .nonNegative),
    ConfigKey(name: "cut.patches", defaultValue: .int(64), help: "sampled positions per layer (CUT's num_patches, 256)", bounds: .count),
    ConfigKey(name: "cut.projection", defaultValue: .int(64), help: "projection width D of the heads (CUT's 256)", bounds: .count),
    ConfigKey(name: "cut.temperature", defaultValue: .double(0.07), help: "PatchNCE temperature τ", bounds: .positive),
    ConfigKey(name: "cut.lr", defaultValue: .double(2e-4), help: "Adam learning rate of G, D and the Adam-trained heads", bounds: .positive),
    ConfigKey(name: "cut.beta1", defaultValue: .double(0.5), help: "Adam β1", bounds: .from(0, below: 1)),
    ConfigKey(name: "cut.beta2", defaultValue: .double(0.999), help: "Adam β2", bounds: .from(0, below: 1)),
    ConfigKey(name: "cut.decay_start", defaultValue: .double(0.5),
              help: "fraction of train.steps at constant rate before the linear decay to 0 (CUT: 200 of 400 epochs)", bounds: .within(0, 1)),
  ]
  static let cutKeys: [ConfigKey] = [
    ConfigKey(name: "cut.lambda_gan", defaultValue: .double(1), help: "weight of G's LSGAN term", bounds: .nonNegative),
    ConfigKey(name: "cut.lambda_nce", defaultValue: .double(1), help: "weight of PatchNCE (FastCUT: 10)", bounds: .nonNegative),
    ConfigKey(name: "cut.identity", defaultValue: .bool(true), help: "identity NCE on clean images, NCE(y, G(y)) (CUT; off in FastCUT)"),
    ConfigKey(name: "cut.flip_equivariance", defaultValue: .bool(false), help: "FastCUT's flip equivariance: G sees x flipped half the time, its features flipped back"),
  ]
  static let odcrKeys: [ConfigKey] = [
    ConfigKey(name: "odcr.reading", defaultValue: .string("printed"), help: "printed | swapped: which of w_h and 1 − w_h weights the positive hazy term (docs/methods/cut-odcr.md)"),
    ConfigKey(name: "odcr.orthogonal_lr", defaultValue: .double(5e-3), help: "γ of the heads' Riemannian step (inferred: 25 × the Adam rate)", bounds: .positive),
  ]

  /// The registry entry of `variant`.
  public static func entry(_ variant: Variant) -> MethodEntry {
    switch variant {
    case .cut:
      return MethodEntry(name: "cut", summary: "CUT: unpaired restoration with PatchNCE and LSGAN (algorithms.md §2)", configKeys: sharedKeys + cutKeys) {
        try PatchContrastiveFamily(.cut, settings: $0)
      }
    case .odcr:
      return MethodEntry(name: "odcr", summary: "ODCR: CUT with orthogonal heads, DWFC and weighted PatchNCE (algorithms.md §3)",
                         configKeys: sharedKeys + odcrKeys) { try PatchContrastiveFamily(.odcr, settings: $0) }
    }
  }

  public let variant: Variant
  public var name: String { variant.rawValue }
  public let roles: [NetworkRole]
  public let generator: ResnetGenerator
  public let discriminator: PatchDiscriminator
  public let heads: ProjectionHeads
  public let classifier: FeatureClassifier?
  let layers: [Int]
  let patches: Int
  let temperature: Float
  let lambdaGAN: Float
  let lambdaNCE: Float
  let identity: Bool
  let flipEquivariance: Bool
  let reading: ChannelWeightReading

  public init(_ variant: Variant, settings: ConfigReading) throws {
    self.variant = variant
    let generatorPreset = settings.string("cut.generator"), discriminatorPreset = settings.string("cut.discriminator")
    guard case .generator(let g) = try ModelPresets.spec(named: generatorPreset) else {
      throw ConfigError(description: "cut.generator = '\(generatorPreset)' is not a generator preset; use cut-cpu or cut-paper")
    }
    guard case .discriminator(let d) = try ModelPresets.spec(named: discriminatorPreset) else {
      throw ConfigError(description: "cut.discriminator = '\(discriminatorPreset)' is not a discriminator preset; use patchgan-cpu or patchgan-paper")
    }
    let network = ResnetGenerator(g)
    generator = network
    discriminator = PatchDiscriminator(d)
    let layers = settings.ints("cut.nce_layers")
    guard !layers.isEmpty, layers.allSatisfy({ (0..<network.layerCount).contains($0) }) else {
      throw ConfigError(description: "cut.nce_layers = \(layers) must be indices of \(generatorPreset)'s layers 0…\(network.layerCount - 1)")
    }
    self.layers = layers
    patches = settings.int("cut.patches")
    let width = settings.int("cut.projection")
    temperature = Float(settings.double("cut.temperature"))
    guard patches > 0, width > 0, temperature > 0 else {
      throw ConfigError(description: "cut.patches, cut.projection and cut.temperature must be positive")
    }
    let channels = try network.featureChannels(at: layers)
    heads = ProjectionHeads(channels: channels, width: width, bias: variant == .cut)
    classifier = variant == .odcr ? FeatureClassifier(layers: layers.count, width: width) : nil
    switch variant {
    case .cut:
      (lambdaGAN, lambdaNCE) = (Float(settings.double("cut.lambda_gan")), Float(settings.double("cut.lambda_nce")))
      (identity, flipEquivariance) = (settings.bool("cut.identity"), settings.bool("cut.flip_equivariance"))
      reading = .printed
    case .odcr:
      (lambdaGAN, lambdaNCE, identity, flipEquivariance) = (1, 1, true, false)
      guard let r = ChannelWeightReading(rawValue: settings.string("odcr.reading")) else {
        throw ConfigError(description: "odcr.reading = '\(settings.string("odcr.reading"))' must be printed or swapped")
      }
      reading = r
    }
    let steps = settings.int("train.steps")
    let start = Int(settings.double("cut.decay_start") * Double(steps))
    let adam = OptimizerSettings(
      learningRate: settings.double("cut.lr"), beta1: settings.double("cut.beta1"), beta2: settings.double("cut.beta2"),
      schedule: .linearDecay(start: start, end: steps))
    var generatorOptimizer = adam
    generatorOptimizer.emaDecay = settings.double("ema.decay")
    var headsOptimizer = adam
    if variant == .odcr {
      headsOptimizer.kind = .methodUpdate
      headsOptimizer.learningRate = settings.double("odcr.orthogonal_lr")
    }
    var declared = [
      NetworkRole(name: "generator", preset: generatorPreset, module: generator, optimizer: generatorOptimizer),
      NetworkRole(name: "discriminator", preset: discriminatorPreset, module: discriminator, optimizer: adam),
      NetworkRole(name: "heads", preset: variant == .cut ? "patchnce-heads" : "orthogonal-heads", module: heads, optimizer: headsOptimizer),
    ]
    if let classifier { declared.append(NetworkRole(name: "classifier", preset: "dwfc", module: classifier, optimizer: adam)) }
    roles = declared
  }

  public var dataKinds: [DataKind] { [.real, .clean] }

  public var phases: [TrainingPhase] {
    [TrainingPhase(name: "discriminator", roles: ["discriminator"]),
     TrainingPhase(name: "generator", roles: classifier == nil ? ["generator", "heads"] : ["generator", "heads", "classifier"])]
  }

  public var headlineScalars: [(key: String, label: String)] {
    variant == .cut ? [("loss_g", "loss_g"), ("loss_d", "loss_d"), ("loss_nce", "nce")]
      : [("loss_g", "loss_g"), ("loss_d", "loss_d"), ("loss_wpnce", "wpnce"), ("orthogonality_error", "‖ΘᵀΘ−I‖")]
  }

  public var inferenceRoles: [String] { ["generator"] }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let (x, y) = (try batch.real(for: name), try batch.cleanImages(for: name))
    if phase == 0 {
      // G is frozen in this phase: G(x) carries no graph.
      let loss = try ((discriminator(y) - 1).square().mean() + discriminator(try generator(x)).square().mean()) * 0.5
      return StepLosses(total: loss, scalars: ["loss_d": Double(loss.item)])
    }
    return variant == .cut ? try cutLoss(x, y, using: &rng) : try odcrLoss(x, y, using: &rng)
  }

  /// G's, the heads' loss of CUT (and FastCUT).
  func cutLoss(_ x: Tensor, _ y: Tensor, using rng: inout PhiloxRandom) throws -> StepLosses {
    let flipped = flipEquivariance && rng.uniform() < 0.5
    let fake = try generator(flipped ? try x.flipped(axis: 3) : x)
    let adversarial = try (discriminator(fake) - 1).square().mean()
    var nce = try patchNCE(source: x, target: fake, flippedTarget: flipped, using: &rng)
    var scalars = ["loss_gan": Double(adversarial.item), "loss_nce": Double(nce.item)]
    if identity {
      let identityNCE = try patchNCE(source: y, target: try generator(y), flippedTarget: false, using: &rng)
      scalars["loss_nce_identity"] = Double(identityNCE.item)
      nce = try (nce + identityNCE) * 0.5
    }
    let loss = try adversarial * lambdaGAN + nce * lambdaNCE
    scalars["loss_g"] = Double(loss.item)
    return StepLosses(total: loss, scalars: scalars)
  }

  /// G's, the heads' and the classifier's loss of ODCR (eq. 15).
  func odcrLoss(_ x: Tensor, _ y: Tensor, using rng: inout PhiloxRandom) throws -> StepLosses {
    let fake = try generator(x)
    let adversarial = try (discriminator(fake) - 1).square().mean()
    let queryFeatures = try generator.features(fake, layers: layers)
    let (hazyFeatures, clearFeatures) = try Autograd.withoutGradients {
      (try generator.features(x, layers: layers), try generator.features(y, layers: layers))
    }
    var weighted = [Tensor](), classification = [Tensor]()
    for (l, head) in heads.heads.enumerated() {
      let positions = PatchPositions(
        height: hazyFeatures[l].shape[2], width: hazyFeatures[l].shape[3], count: patches, using: &rng)
      let z = try head(try positions.gather(queryFeatures[l]))
      let (hazy, clear) = try Autograd.withoutGradients {
        (try head(try positions.gather(hazyFeatures[l])), try head(try positions.gather(clearFeatures[l])))
      }
      let (thetaH, thetaC) = try classifier!.thetas(layer: l)
      weighted.append(try weightedPatchNCELoss(
        queries: z, hazy: hazy, clear: clear, thetaHazy: thetaH, thetaClear: thetaC, temperature: temperature, reading: reading))
      classification.append(try classifier!.loss(layer: l, hazy: hazy, clear: clear))
    }
    let wpnce = try mean(weighted), ce = try mean(classification)
    let identityNCE = try patchNCE(source: y, target: try generator(y), flippedTarget: false, using: &rng)
    let loss = try adversarial + wpnce + ce + identityNCE
    return StepLosses(total: loss, scalars: [
      "loss_g": Double(loss.item), "loss_gan": Double(adversarial.item), "loss_wpnce": Double(wpnce.item), "loss_ce": Double(ce.item),
      "loss_nce_identity": Double(identityNCE.item), "orthogonality_error": orthogonalityError(),
    ])
  }

  /// PatchNCE between G's features at `target` (queries; flipped back first when
  /// `flippedTarget`) and at `source` (keys), averaged over the NCE layers.
  func patchNCE(source: Tensor, target: Tensor, flippedTarget: Bool, using rng: inout PhiloxRandom) throws -> Tensor {
    var queries = try generator.features(target, layers: layers)
    if flippedTarget { queries = try queries.map { try $0.flipped(axis: 3) } }
    let keys = try Autograd.withoutGradients { try generator.features(source, layers: layers) }
    var losses = [Tensor]()
    for (l, head) in heads.heads.enumerated() {
      let positions = PatchPositions(height: keys[l].shape[2], width: keys[l].shape[3], count: patches, using: &rng)
      let k = try Autograd.withoutGradients { try head(try positions.gather(keys[l])) }
      losses.append(try patchNCELoss(queries: try head(try positions.gather(queries[l])), keys: k, temperature: temperature))
    }
    return try mean(losses)
  }

  func mean(_ terms: [Tensor]) throws -> Tensor {
    try terms.dropFirst().reduce(terms[0]) { try $0 + $1 } * (1 / Float(terms.count))
  }

  /// The heads' weights as tall matrices Θ (n × p, n ≥ p): W itself, or Wᵀ for a wide W.
  func orthogonalWeights() -> [Parameter] { heads.heads.flatMap { [$0.first.weight, $0.second.weight] } }

  /// The largest ‖ΘᵀΘ − I‖ over the heads' weights.
  func orthogonalityError() -> Double {
    orthogonalWeights().map { StiefelManifold.orthogonalityError(Self.tall($0.value)) }.max() ?? 0
  }

  /// Θ of a weight `[out, in]`: the matrix itself when out ≥ in, else its transpose.
  static func tall(_ w: Tensor) -> DoubleMatrix {
    let (out, inputs) = (w.shape[0], w.shape[1])
    let m = DoubleMatrix(rows: out, columns: inputs, values: (0..<w.count).map { Double(w.data[$0]) })
    return out >= inputs ? m : m.transposed
  }

  /// Writes Θ back into `w` (`[out, in]`).
  static func store(_ theta: DoubleMatrix, into w: Tensor) {
    let m = w.shape[0] >= w.shape[1] ? theta : theta.transposed
    for i in 0..<w.count { w.data[i] = Float(m.values[i]) }
  }

  /// ODCR: the heads' weights start orthonormal (QR of their Gaussian initial values).
  public func afterInitialization(role: String) throws {
    guard variant == .odcr, role == "heads" else { return }
    for p in orthogonalWeights() { Self.store(StiefelManifold.orthonormalized(Self.tall(p.value)), into: p.value) }
  }

  /// ODCR: the heads' Riemannian step with retraction, at the scheduled rate.
  public func afterOptimizerStep(role: String, learningRate: Double) throws {
    guard variant == .odcr, role == "heads" else { return }
    for p in orthogonalWeights() {
      guard let grad = p.value.grad else { continue }
      let theta = StiefelManifold.step(Self.tall(p.value), euclidean: Self.tall(grad), rate: learningRate)
      Self.store(theta, into: p.value)
    }
  }

  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    try options.requireSinglePass(name)
    return PaddedForward(sizeMultiple: generator.config.sizeMultiple) { [generator] x in try generator(x) }
  }
}
