// TrainedNetwork: one role's network as a run trains it, with everything that lives beside its
// flat buffers: the parameter store, its Adam/AdamW state and learning-rate schedule, and (on
// rank 0, when the role keeps one) its EMA copy; and the switch that freezes it for a phase.
import Kernels
import Layers
import Methods
import Tensors

/// A network, its flat parameter/gradient buffers, optimiser and EMA.
public final class TrainedNetwork {
  /// Checkpoint group name (`restorer`, `diffusion`, `generator`, …).
  public let role: String
  public let preset: String
  public let module: Module
  public let store: ParameterStore
  public let optimizer: Adam
  public let settings: OptimizerSettings
  /// The EMA copy (rank 0, for roles with an EMA decay; nil elsewhere).
  public let ema: ExponentialMovingAverage?

  /// Adopts `role`'s module, initialises it from `rng` (Kaiming normal, zero biases) and sets up
  /// its optimiser and, when `keepsEMA` and the role has an EMA decay, the EMA copy.
  public init(_ role: NetworkRole, keepsEMA: Bool, using rng: inout PhiloxRandom) {
    self.role = role.name
    preset = role.preset
    module = role.module
    let store = ParameterStore(module: role.module)
    store.initialize(using: &rng)
    self.store = store
    let s = role.optimizer
    settings = s
    optimizer = Adam(
      store: store, learningRate: Float(s.learningRate), beta1: Float(s.beta1), beta2: Float(s.beta2), eps: Float(s.eps),
      weightDecay: Float(s.weightDecay), decoupledWeightDecay: s.kind == .adamW)
    ema = keepsEMA ? s.emaDecay.map { ExponentialMovingAverage(store: store, decay: Float($0)) } : nil
  }

  /// The flat parameter buffer (what rank 0 broadcasts and the checksum covers).
  public var parameters: (pointer: UnsafeMutablePointer<Float>, count: Int) { (store.values.pointer, store.flatCount) }

  /// The flat gradient buffer (what the reducer averages).
  public var gradients: (pointer: UnsafeMutablePointer<Float>, count: Int) { (store.gradients.pointer, store.flatCount) }

  /// Whether every gradient is finite (one vectorised pass: any NaN or ±∞ makes Σ 0·g NaN).
  public func gradientsAreFinite() -> Bool {
    simdSum(store.flatCount, store.gradients.pointer) { $0 * 0 }.isFinite
  }

  /// Frozen: its parameters stop requiring gradients, so no op records a graph into them and
  /// backward leaves their gradient buffer alone.
  public func setFrozen(_ frozen: Bool) {
    store.parameters.forEach { $0.value.requiresGrad = !frozen }
  }

  /// Sets the optimiser's rate for the step after `step` completed steps.
  func scheduleLearningRate(step: Int) {
    optimizer.learningRate = Float(settings.schedule.rate(base: settings.learningRate, step: step))
  }
}
