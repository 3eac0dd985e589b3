// Adam and AdamW over a network's flat buffers: one threaded SIMD pass updates parameters,
// first and second moments together. Formulas and defaults are PyTorch's (torch.optim.Adam /
// AdamW, single-tensor path): bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ, eps added after the
// corrected square root, L2 weight decay folded into the gradient (Adam) or decoupled as
// p ← p·(1 − lr·wd) before the update (AdamW).
import Foundation
import Kernels
import Tensors

/// Adam / AdamW state for one `ParameterStore`: hyper-parameters, step count, moment buffers.
public final class Adam {
  /// Step size α (may be changed between steps by a schedule).
  public var learningRate: Float
  /// Decay of the first moment (β₁).
  public let beta1: Float
  /// Decay of the second moment (β₂).
  public let beta2: Float
  /// Added to √v̂ in the denominator.
  public let eps: Float
  /// Weight decay coefficient (L2 for Adam, decoupled for AdamW).
  public let weightDecay: Float
  /// True for AdamW's decoupled decay.
  public let decoupledWeightDecay: Bool
  /// Steps taken so far (t in the bias corrections); restored from checkpoints.
  public var stepCount: Int = 0
  /// First moments m, same layout as the store's buffers.
  public let firstMoment: FlatBuffer
  /// Second moments v, same layout as the store's buffers.
  public let secondMoment: FlatBuffer
  private let store: ParameterStore

  /// `torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)`.
  public init(
    store: ParameterStore, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
    eps: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false
  ) {
    self.store = store
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.eps = eps
    self.weightDecay = weightDecay
    self.decoupledWeightDecay = decoupledWeightDecay
    firstMoment = FlatBuffer(count: store.flatCount)
    secondMoment = FlatBuffer(count: store.flatCount)
  }

  /// `torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)`.
  public static func adamW(
    store: ParameterStore, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
    eps: Float = 1e-8, weightDecay: Float = 1e-2
  ) -> Adam {
    Adam(
      store: store, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
      weightDecay: weightDecay, decoupledWeightDecay: true)
  }

  /// One update of every parameter from the store's flat gradients.
  public func step() {
    stepCount += 1
    let t = Double(stepCount)
    let correction1 = 1 - pow(Double(beta1), t)
    let correction2 = 1 - pow(Double(beta2), t)
    let stepSize = Vec(repeating: Float(Double(learningRate) / correction1))
    let invSqrtCorrection2 = Vec(repeating: Float(1 / correction2.squareRoot()))
    let b1 = Vec(repeating: beta1), c1 = Vec(repeating: 1 - beta1)
    let b2 = Vec(repeating: beta2), c2 = Vec(repeating: 1 - beta2)
    let epsV = Vec(repeating: eps)
    let l2 = Vec(repeating: decoupledWeightDecay ? 0 : weightDecay)
    let shrink = Vec(repeating: decoupledWeightDecay ? 1 - learningRate * weightDecay : 1)
    let p = store.values.pointer, g = store.gradients.pointer
    let m = firstMoment.pointer, v = secondMoment.pointer
    // flatCount is a multiple of 16 and the buffers are 64-byte aligned: whole vectors only.
    Threading.forEachChunk(store.flatCount) { r in
      var i = r.lowerBound
      while i < r.upperBound {
        let pr = UnsafeMutableRawPointer(p + i), gr = UnsafeRawPointer(g + i)
        let mr = UnsafeMutableRawPointer(m + i), vr = UnsafeMutableRawPointer(v + i)
        var pv = pr.load(as: Vec.self)
        let gv = gr.load(as: Vec.self) + l2 * pv
        pv *= shrink
        let mv = b1 * mr.load(as: Vec.self) + c1 * gv
        let vv = b2 * vr.load(as: Vec.self) + c2 * gv * gv
        pv -= stepSize * mv / (vv.squareRoot() * invSqrtCorrection2 + epsV)
        pr.storeBytes(of: pv, as: Vec.self)
        mr.storeBytes(of: mv, as: Vec.self)
        vr.storeBytes(of: vv, as: Vec.self)
        i += 16
      }
    }
  }
}
