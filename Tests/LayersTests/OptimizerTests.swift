// Adam, AdamW, EMA and gradient clipping against closed forms and a Double-precision replay of
// PyTorch's update rules.
import Layers
import Tensors
import XCTest

final class OptimizerTests: XCTestCase {
  /// A store over ToyNet with parameters p₀ and a function writing gradients.
  private func makeStore() -> (ToyNet, ParameterStore) {
    let net = ToyNet()
    let store = ParameterStore(module: net)
    var rng = PhiloxRandom(seed: 11)
    store.initialize(using: &rng)
    return (net, store)
  }

  private func setGradients(_ store: ParameterStore, step: Int) {
    for e in store.entries {
      for i in 0..<e.count {
        store.gradients.pointer[e.offset + i] = sin(Float(i * 7 + step * 3 + e.offset)) * Float(step)
      }
    }
  }

  /// PyTorch's single-tensor Adam/AdamW replayed in Double on one scalar.
  private func reference(
    p0: Double, grads: [Double], lr: Double, b1: Double, b2: Double, eps: Double, wd: Double, decoupled: Bool
  ) -> Double {
    var p = p0, m = 0.0, v = 0.0
    for (k, g0) in grads.enumerated() {
      let t = Double(k + 1)
      var g = g0
      if decoupled { p *= 1 - lr * wd } else { g += wd * p }
      m = b1 * m + (1 - b1) * g
      v = b2 * v + (1 - b2) * g * g
      let denom = (v.squareRoot() / (1 - pow(b2, t)).squareRoot()) + eps
      p -= lr / (1 - pow(b1, t)) * m / denom
    }
    return p
  }

  func testAdamFirstStepIsSignTimesLearningRate() {
    let (_, store) = makeStore()
    let before = Array(UnsafeBufferPointer(start: store.values.pointer, count: store.flatCount))
    setGradients(store, step: 1)
    let adam = Adam(store: store, learningRate: 0.01)
    adam.step()
    // Closed form: after one step m̂ = g, v̂ = g², so Δp = −lr · g / (|g| + eps).
    for e in store.entries {
      for i in 0..<e.count {
        let j = e.offset + i
        let g = Double(store.gradients.pointer[j])
        let expected = Double(before[j]) - 0.01 * g / (abs(g) + 1e-8)
        XCTAssertEqual(Double(store.values.pointer[j]), expected, accuracy: 1e-6, e.name)
      }
    }
  }

  func testAdamAndAdamWMatchReferenceOverSteps() {
    for decoupled in [false, true] {
      let (_, store) = makeStore()
      let before = Array(UnsafeBufferPointer(start: store.values.pointer, count: store.flatCount))
      let adam =
        decoupled
        ? Adam.adamW(store: store, learningRate: 0.05, weightDecay: 0.1)
        : Adam(store: store, learningRate: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1)
      var history: [[Float]] = []
      for step in 1...5 {
        setGradients(store, step: step)
        history.append(Array(UnsafeBufferPointer(start: store.gradients.pointer, count: store.flatCount)))
        adam.step()
      }
      XCTAssertEqual(adam.stepCount, 5)
      for e in store.entries {
        for i in 0..<e.count {
          let j = e.offset + i
          let expected = reference(
            p0: Double(before[j]), grads: history.map { Double($0[j]) }, lr: 0.05,
            b1: decoupled ? 0.9 : 0.8, b2: decoupled ? 0.999 : 0.95, eps: decoupled ? 1e-8 : 1e-6,
            wd: 0.1, decoupled: decoupled)
          XCTAssertEqual(Double(store.values.pointer[j]), expected, accuracy: 2e-5, "\(e.name) decoupled=\(decoupled)")
        }
      }
      // Padding floats between parameters stay zero.
      let padding = store.entries[0].count..<store.entries[1].offset
      for j in padding { XCTAssertEqual(store.values.pointer[j], 0) }
    }
  }

  func testEMAClosedForm() {
    let (_, store) = makeStore()
    let start = Array(UnsafeBufferPointer(start: store.values.pointer, count: store.flatCount))
    let ema = ExponentialMovingAverage(store: store, decay: 0.9)
    // Move the model to θ and hold it: ema_k = θ + 0.9ᵏ (ema_0 − θ).
    for j in 0..<store.flatCount { store.values.pointer[j] = start[j] + 1 }
    for _ in 0..<4 { ema.update() }
    for j in 0..<store.flatCount {
      let theta = Double(start[j]) + 1
      let expected = theta + pow(0.9, 4) * (Double(start[j]) - theta)
      XCTAssertEqual(Double(ema.shadow.pointer[j]), expected, accuracy: 1e-5)
    }
    let named = ema.namedTensors()
    XCTAssertEqual(named.map(\.0), store.entries.map(\.name))
    XCTAssertEqual(named[1].1.data, ema.shadow.pointer + store.entries[1].offset)
    ema.swapWithModel()
    XCTAssertEqual(Double(store.values.pointer[0]), Double(start[0]) + 1 - pow(0.9, 4), accuracy: 1e-5)
    XCTAssertEqual(ema.shadow.pointer[0], start[0] + 1)
  }

  func testGlobalNormClipping() {
    let (_, store) = makeStore()
    setGradients(store, step: 2)
    let grads = Array(UnsafeBufferPointer(start: store.gradients.pointer, count: store.flatCount))
    let norm = grads.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    XCTAssertEqual(Double(store.gradientNorm()), norm, accuracy: norm * 1e-6)
    // Above the norm: nothing changes.
    XCTAssertEqual(Double(store.clipGradientNorm(maxNorm: Float(norm) * 2)), norm, accuracy: norm * 1e-6)
    XCTAssertEqual(store.gradients.pointer[5], grads[5])
    // Below: every gradient scaled by maxNorm / (norm + 1e-6); the new norm is maxNorm.
    let returned = store.clipGradientNorm(maxNorm: 1.5)
    XCTAssertEqual(Double(returned), norm, accuracy: norm * 1e-6)
    let coefficient = 1.5 / (norm + 1e-6)
    for j in [0, 5, store.flatCount - 20] {
      XCTAssertEqual(Double(store.gradients.pointer[j]), Double(grads[j]) * coefficient, accuracy: 1e-6)
    }
    XCTAssertEqual(store.gradientNorm(), 1.5, accuracy: 1e-4)
    // A non-finite norm leaves the gradients alone.
    store.gradients.pointer[3] = .nan
    XCTAssertTrue(store.clipGradientNorm(maxNorm: 1).isNaN)
  }
}
