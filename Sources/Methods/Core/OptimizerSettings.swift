// OptimizerSettings: how one role's network is optimised — Adam or AdamW with its β1, β2, ε and
// weight decay, a learning-rate schedule over steps, and the decay of an EMA copy (or none).
// A method declares one per role; the trainer builds the optimiser and EMA from it.
import Foundation

/// The learning rate over training, as a factor of the base rate at each step.
public enum LearningRateSchedule: Equatable, Sendable {
  /// The base rate throughout.
  case constant
  /// base · factor^⌊step / every⌋ (PyTorch's StepLR, stepped once per optimiser step).
  case stepDecay(every: Int, factor: Double)
  /// The base rate until step `start`, then linearly down to 0 at step `end` (CUT's "linear" policy).
  case linearDecay(start: Int, end: Int)

  /// The rate for the step that follows `step` completed steps.
  public func rate(base: Double, step: Int) -> Double {
    switch self {
    case .constant:
      return base
    case .stepDecay(let every, let factor):
      return base * pow(factor, Double(step / max(every, 1)))
    case .linearDecay(let start, let end):
      guard step > start else { return base }
      return base * max(0, 1 - Double(step - start) / Double(max(end - start, 1)))
    }
  }
}

/// Optimiser, schedule and EMA of one role (PyTorch's torch.optim.Adam / AdamW arguments).
public struct OptimizerSettings: Equatable, Sendable {
  /// Adam (weight decay as L2 in the gradient), AdamW (decoupled decay), or `methodUpdate`: the
  /// trainer all-reduces (and clips) the role's gradients but leaves the weights to the method's
  /// `afterOptimizerStep` (ODCR's Riemannian step on the Stiefel manifold), at the scheduled rate.
  public enum Kind: String, Equatable, Sendable {
    case adam, adamW, methodUpdate
  }

  public var kind: Kind
  public var learningRate: Double
  public var beta1: Double
  public var beta2: Double
  public var eps: Double
  public var weightDecay: Double
  public var schedule: LearningRateSchedule
  /// Decay of rank 0's EMA copy; nil: the role keeps no EMA.
  public var emaDecay: Double?

  public init(
    kind: Kind = .adam, learningRate: Double = 1e-4, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
    weightDecay: Double = 0, schedule: LearningRateSchedule = .constant, emaDecay: Double? = nil
  ) {
    self.kind = kind
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.eps = eps
    self.weightDecay = weightDecay
    self.schedule = schedule
    self.emaDecay = emaDecay
  }

  /// The shared `optim.*` keys (AdamW when `optim.weight_decay` > 0) with `ema.decay`, constant rate.
  public static func fromOptimKeys(_ config: ConfigReading) -> OptimizerSettings {
    let decay = config.double("optim.weight_decay")
    return OptimizerSettings(
      kind: decay > 0 ? .adamW : .adam, learningRate: config.double("optim.lr"), beta1: config.double("optim.beta1"),
      beta2: config.double("optim.beta2"), eps: config.double("optim.eps"), weightDecay: decay, schedule: .constant,
      emaDecay: config.double("ema.decay"))
  }
}
