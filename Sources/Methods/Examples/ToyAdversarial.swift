// ToyAdversarial: the worked example of a method with several roles and phases (docs/
// architecture.md, "Adding a method"), and the test of those seams. An unpaired mapping from the
// real-degraded domain to the clean one, shaped like CUT: a generator G, a PatchGAN-like
// discriminator D and a head H. Phase 1 updates D on LSGAN targets with G frozen; phase 2 updates
// G and H with D frozen: LSGAN for G plus a reconstruction term through H, L = (D(G(x)) − 1)² +
// ‖H(G(x)) − x‖². Each role has its own Adam β1 (G 0.5, D 0.8, H 0.9), G and H decay linearly
// over the second half of training, only G keeps an EMA, and after H's step its weight is scaled
// back to unit norm (a post-step hook, as ODCR's retraction). Restores with G.
import Layers
import Tensors

/// A three-role, two-phase adversarial toy method.
public final class ToyAdversarial: TrainingMethod {
  public static let entry = MethodEntry(
    name: "toy-adversarial", summary: "example: generator, discriminator and head in two phases (docs/architecture.md)"
  ) { try ToyAdversarial(settings: $0) }

  public let name = "toy-adversarial"
  public let roles: [NetworkRole]
  let generator = ToyConvNet(in: 3, hidden: 8, out: 3, residual: true)
  let discriminator = ToyConvNet(in: 3, hidden: 8, out: 1, stride: 2)
  let head = Conv2d(3, 3, kernelSize: 1)

  public init(settings: ConfigReading) throws {
    let lr = settings.double("optim.lr"), steps = settings.int("train.steps")
    let decay = LearningRateSchedule.linearDecay(start: steps / 2, end: steps)
    roles = [
      NetworkRole(name: "generator", preset: "toy-generator", module: generator,
                  optimizer: OptimizerSettings(learningRate: lr, beta1: 0.5, schedule: decay, emaDecay: settings.double("ema.decay"))),
      NetworkRole(name: "discriminator", preset: "toy-discriminator", module: discriminator,
                  optimizer: OptimizerSettings(learningRate: lr, beta1: 0.8)),
      NetworkRole(name: "head", preset: "toy-head", module: head, optimizer: OptimizerSettings(learningRate: lr, beta1: 0.9, schedule: decay)),
    ]
  }

  public var dataKinds: [DataKind] { [.real, .clean] }

  public var phases: [TrainingPhase] {
    [TrainingPhase(name: "discriminator", roles: ["discriminator"]), TrainingPhase(name: "generator", roles: ["generator", "head"])]
  }

  public var headlineScalars: [(key: String, label: String)] { [("loss_g", "loss_g"), ("loss_d", "loss_d")] }

  public var inferenceRoles: [String] { ["generator"] }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let x = try batch.real(for: name)
    if phase == 0 {
      // G is frozen in this phase: G(x) carries no graph.
      let real = try (discriminator(try batch.cleanImages(for: name)) - 1).square().mean()
      let fake = try discriminator(try generator(x)).square().mean()
      let loss = try (real + fake) * 0.5
      return StepLosses(total: loss, scalars: ["loss_d": Double(loss.item)])
    }
    let restored = try generator(x)
    let adversarial = try (discriminator(restored) - 1).square().mean()
    let reconstruction = try mseLoss(try head(restored), x)
    let loss = try adversarial + reconstruction
    return StepLosses(total: loss, scalars: ["loss_g": Double(loss.item), "loss_gan": Double(adversarial.item), "loss_rec": Double(reconstruction.item)])
  }

  /// H's weight back onto the unit sphere after its step.
  public func afterOptimizerStep(role: String, learningRate: Double) throws {
    guard role == "head" else { return }
    let w = head.weight.value
    var sum = 0.0
    for i in 0..<w.count { sum += Double(w.data[i]) * Double(w.data[i]) }
    let scale = Float(1 / max(sum.squareRoot(), 1e-12))
    for i in 0..<w.count { w.data[i] *= scale }
  }

  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    try options.requireSinglePass(name)
    return PaddedForward(sizeMultiple: 1) { [generator] x in try generator(x) }
  }
}
