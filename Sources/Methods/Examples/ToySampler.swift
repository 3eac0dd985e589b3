// ToySampler: the worked example of a method that restores by a sampler (docs/architecture.md,
// "Adding a method"), and the test of that seam. One role, a denoiser D trained on synthetic pairs
// with MSE; restoration runs K steps (default 4, `noiseda restore --nfe K`) from the degraded
// image, each a gradient step on the image through the frozen D plus seeded noise:
//   x_{k−1} = x_k − (1/k)·∇ₓ ½‖x_k − D(x_k)‖² + 0.01·√((k−1)/K)·ε,  ε ~ N(0, I).
// Unconditional sampling (`noiseda sample`) starts from N(0.5, 0.25²) instead.
import Layers
import Tensors

/// A one-role method whose restoration is a K-step sampler taking ∇ₓ through its network.
public final class ToySampler: TrainingMethod {
  public static let entry = MethodEntry(
    name: "toy-sampler", summary: "example: a denoiser restored by a K-step sampler with image gradients (docs/architecture.md)"
  ) { try ToySampler(settings: $0) }

  public let name = "toy-sampler"
  public let roles: [NetworkRole]
  let denoiser = ToyConvNet(in: 3, hidden: 8, out: 3, residual: true)
  public static let defaultSteps = 4

  public init(settings: ConfigReading) throws {
    roles = [NetworkRole(name: "denoiser", preset: "toy-denoiser", module: denoiser, optimizer: .fromOptimKeys(settings))]
  }

  public var dataKinds: [DataKind] { [.pairs] }
  public var phases: [TrainingPhase] { [TrainingPhase(name: "denoiser", roles: ["denoiser"])] }
  public var headlineScalars: [(key: String, label: String)] { [("loss_mse", "loss_mse")] }
  public var inferenceRoles: [String] { ["denoiser"] }

  public func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses {
    let (input, target) = try batch.pairs(for: name)
    let loss = try mseLoss(try denoiser(input), target)
    return StepLosses(total: loss, scalars: ["loss_mse": Double(loss.item)])
  }

  public func restoration(_ options: RestorationOptions) throws -> ImageRestoration {
    SamplerRestoration(try sampler(options))
  }

  public func sampler(_ options: RestorationOptions) throws -> Sampler {
    let steps = options.steps ?? ToySampler.defaultSteps
    guard steps >= 1 else { throw ConfigError(description: "--nfe \(steps): a sampler needs at least one step") }
    guard !options.deterministic else { throw ConfigError(description: "\(name)'s sampler has no deterministic mode; drop --ot-ode") }
    return GradientStepSampler(denoiser: denoiser, steps: steps)
  }

  /// The K-step loop of the header comment.
  struct GradientStepSampler: Sampler {
    let denoiser: ToyConvNet
    let steps: Int
    var needsImageGradient: Bool { true }
    var sizeMultiple: Int { 1 }

    func start(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
      if let degraded { return degraded }
      return Tensor.normal(shape, using: &rng) * 0.25 + 0.5
    }

    func update(_ x: Tensor, step k: Int, degraded: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
      try ((x - denoiser(x)).square().sum() * 0.5).backward()
      let gradient = x.grad!
      let noise = Tensor.normal(x.shape, using: &rng) * (0.01 * Float((Double(k - 1) / Double(steps)).squareRoot()))
      return try Autograd.withoutGradients { try x - gradient * (1 / Float(k)) + noise }
    }
  }
}
