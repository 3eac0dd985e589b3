// TrainingMethod: everything the trainer knows of a method, declared by the method itself — the
// data kinds it reads, its networks by role (each with its optimiser settings), its step as an
// ordered list of phases, its own scalars and diagnostics, hooks after an optimiser step, and how
// a trained model restores an image. The trainer reads this and never guesses (no method names,
// no downcasts); a new method is a folder plus one line in MethodRegistry.
import Layers
import Tensors

/// One network a method trains, under its role name.
public struct NetworkRole {
  /// Checkpoint group and log name: `restorer`, `diffusion`, `generator`, `discriminator`, …
  public let name: String
  /// The architecture's name, recorded in the checkpoint (a preset, or the method's own name).
  public let preset: String
  /// The network, uninitialised: the trainer initialises roles in declaration order.
  public let module: Module
  public let optimizer: OptimizerSettings

  public init(name: String, preset: String, module: Module, optimizer: OptimizerSettings) {
    self.name = name
    self.preset = preset
    self.module = module
    self.optimizer = optimizer
  }
}

/// One backward-and-update of a step: the roles it updates. Every other role is frozen while its
/// loss is built (no gradient kept, nothing all-reduced, its optimiser not stepped).
public struct TrainingPhase: Equatable, Sendable {
  public let name: String
  public let roles: [String]

  public init(name: String, roles: [String]) {
    self.name = name
    self.roles = roles
  }
}

/// Where training stands when a step starts.
public struct StepContext: Equatable, Sendable {
  /// Steps completed before this one.
  public let step: Int
  /// `train.steps`.
  public let totalSteps: Int
  /// The epoch of the method's first data kind, counted from 1.
  public let epoch: Int

  public init(step: Int, totalSteps: Int, epoch: Int) {
    self.step = step
    self.totalSteps = totalSteps
    self.epoch = epoch
  }
}

/// Options of inference that a user may set (`noiseda restore --nfe K --ot-ode`).
public struct RestorationOptions: Equatable, Sendable {
  /// Network evaluations (NFE) of a sampler; nil: the method's configured count. A method that
  /// restores in one forward pass rejects a value.
  public var steps: Int?
  /// Drop the sampler's noise (I2SB's OT-ODE); a method without such a mode rejects it.
  public var deterministic: Bool

  public init(steps: Int? = nil, deterministic: Bool = false) {
    self.steps = steps
    self.deterministic = deterministic
  }

  /// Throws unless the options are the defaults: what a method that restores in one network
  /// pass says to sampler options.
  public func requireSinglePass(_ method: String) throws {
    guard steps == nil && !deterministic else {
      throw ConfigError(description: "method \(method) restores in one network pass; drop --nfe and --ot-ode")
    }
  }
}

/// A training method: data, roles, phases, losses, restoration.
public protocol TrainingMethod: AnyObject {
  /// The registry name (`vanilla`, `da`, …).
  var name: String { get }
  /// The shard kinds each batch holds.
  var dataKinds: [DataKind] { get }
  /// The networks, in initialisation (and checkpoint) order.
  var roles: [NetworkRole] { get }
  /// The step, in order.
  var phases: [TrainingPhase] { get }
  /// Scalars for the progress line as (key, label); the first is the run's reported loss.
  var headlineScalars: [(key: String, label: String)] { get }
  /// The roles `restoration` uses (loaded from a checkpoint for eval, restore and sample).
  var inferenceRoles: [String] { get }

  /// Builds the loss of `phases[phase]` on `batch`, drawing every random number from `rng`.
  func loss(phase: Int, batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom) throws -> StepLosses
  /// Extra scalars measured on `batch` every `train.diagnostics_every` steps, before the step
  /// (gradients may be left dirty: the trainer zeroes them). `rng` is a copy: the step's draws
  /// stay the same.
  func diagnostics(batch: TrainingBatch, context: StepContext, using rng: PhiloxRandom) throws -> [String: Double]
  /// Called on every rank once the trainer has initialised `role`'s network from its seed (e.g.
  /// to make weights orthonormal); not after loading a checkpoint.
  func afterInitialization(role: String) throws
  /// Called on every rank after `role`'s optimiser step, with the role's scheduled learning rate
  /// (e.g. a retraction onto a manifold, or the whole update of a `methodUpdate` role).
  func afterOptimizerStep(role: String, learningRate: Double) throws
  /// How the trained networks (with their current weights) restore an image.
  func restoration(_ options: RestorationOptions) throws -> ImageRestoration
  /// The multi-step sampler of a method that has one (`noiseda sample` draws from it without a
  /// degraded image); the default throws: the method restores in one pass.
  func sampler(_ options: RestorationOptions) throws -> Sampler
  /// Diffusion posterior sampling with this method as the prior (`noiseda solve`): `steps`
  /// network evaluations, step size ζ, EquiReg's penalty or nil; the default throws: the method
  /// is not a prior.
  func posteriorSampler(_ measurement: MeasurementOperator, steps: Int, zeta: Float, penalty: EquivariancePenalty?) throws -> Sampler
  /// A diffusion prior's estimate x̂₀ of clean images `clean` noised to step `step` (the
  /// early-step estimates `noiseda inspect mpe` checks); the default throws: not a prior.
  func priorEstimate(of clean: Tensor, noisedTo step: Int, using rng: inout PhiloxRandom) throws -> Tensor
  /// The trained MPE function of EquiReg (`noiseda solve --mpe`, `noiseda inspect mpe`); the
  /// default throws: the method trains none.
  func manifoldFunction() throws -> ManifoldFunction
}

extension TrainingMethod {
  public func diagnostics(batch: TrainingBatch, context: StepContext, using rng: PhiloxRandom) throws -> [String: Double] { [:] }
  public func afterInitialization(role: String) throws {}
  public func afterOptimizerStep(role: String, learningRate: Double) throws {}
  public func sampler(_ options: RestorationOptions) throws -> Sampler {
    throw ConfigError(description: "method \(name) restores in one network pass and has no sampler; use noiseda restore")
  }
  public func posteriorSampler(_ measurement: MeasurementOperator, steps: Int, zeta: Float, penalty: EquivariancePenalty?) throws -> Sampler {
    throw ConfigError(description: "method \(name) is not a diffusion prior; give noiseda solve --prior a checkpoint of method ddpm")
  }
  public func priorEstimate(of clean: Tensor, noisedTo step: Int, using rng: inout PhiloxRandom) throws -> Tensor {
    throw ConfigError(description: "method \(name) is not a diffusion prior; give a checkpoint of method ddpm")
  }
  public func manifoldFunction() throws -> ManifoldFunction {
    throw ConfigError(description: "method \(name) is not an MPE function; give a checkpoint of method mpe")
  }
}
