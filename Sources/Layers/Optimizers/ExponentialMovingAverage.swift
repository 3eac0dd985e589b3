// ExponentialMovingAverage: a flat copy of a network's parameters that trails them,
// ema ← decay·ema + (1 − decay)·θ after every step (Noise-DA's models/model.py::EMA, decay
// 0.9999 in the paper). One SIMD pass over the flat buffer.
import Kernels
import Tensors

/// The EMA copy of one `ParameterStore`'s parameters.
public final class ExponentialMovingAverage {
  /// Weight of the old average in each update.
  public let decay: Float
  /// The averaged parameters, same layout as the store's `values`.
  public let shadow: FlatBuffer
  private let store: ParameterStore

  /// Starts the average at the store's current parameters.
  public init(store: ParameterStore, decay: Float) {
    self.store = store
    self.decay = decay
    shadow = FlatBuffer(count: store.flatCount)
    shadow.copy(from: store.values)
  }

  /// ema ← decay·ema + (1 − decay)·θ.
  public func update() {
    let d = Vec(repeating: decay), c = Vec(repeating: 1 - decay)
    simdZip(store.flatCount, shadow.pointer, store.values.pointer, shadow.pointer) { old, new in
      old * d + c * new
    }
  }

  /// Exchanges the model's parameters with the average (call again to swap back), for
  /// validating or exporting the EMA weights.
  public func swapWithModel() {
    let a = shadow.pointer, b = store.values.pointer
    Threading.forEachChunk(store.flatCount) { r in
      for i in r { (a[i], b[i]) = (b[i], a[i]) }
    }
  }

  /// The averaged parameters as named tensors (views into `shadow`), for checkpoints.
  public func namedTensors() -> [(String, Tensor)] { store.namedViews(of: shadow) }
}
