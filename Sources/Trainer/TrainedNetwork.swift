// TrainedNetwork: one network a run trains, with everything that lives beside its flat
// buffers: the parameter store, its Adam state and (on rank 0) its EMA copy.
import Kernels
import Layers
import Tensors

/// A network, its flat parameter/gradient buffers, optimiser and EMA.
public final class TrainedNetwork {
  /// Checkpoint group name (`restorer`, `diffusion`).
  public let role: String
  public let preset: String
  public let module: Module
  public let store: ParameterStore
  public let optimizer: Adam
  /// The EMA copy (rank 0 only; nil elsewhere).
  public let ema: ExponentialMovingAverage?

  /// Builds `spec`, initialises it from `rng` (Kaiming normal, zero biases) and sets up Adam and,
  /// when `keepsEMA`, the EMA copy.
  public init(role: String, preset: String, spec: ModelSpec, learningRate: Float, eps: Float, weightDecay: Float,
              emaDecay: Float, keepsEMA: Bool, using rng: inout PhiloxRandom) {
    self.role = role
    self.preset = preset
    module = spec.build()
    store = ParameterStore(module: module)
    store.initialize(using: &rng)
    optimizer = Adam(store: store, learningRate: learningRate, eps: eps, weightDecay: weightDecay)
    ema = keepsEMA ? ExponentialMovingAverage(store: store, decay: emaDecay) : nil
  }

  /// The flat parameter buffer (what rank 0 broadcasts and the checksum covers).
  public var parameters: (pointer: UnsafeMutablePointer<Float>, count: Int) { (store.values.pointer, store.flatCount) }

  /// The flat gradient buffer (what the reducer averages).
  public var gradients: (pointer: UnsafeMutablePointer<Float>, count: Int) { (store.gradients.pointer, store.flatCount) }

  /// Whether every gradient is finite (one vectorised pass: any NaN or ±∞ makes Σ 0·g NaN).
  public func gradientsAreFinite() -> Bool {
    simdSum(store.flatCount, store.gradients.pointer) { $0 * 0 }.isFinite
  }
}
