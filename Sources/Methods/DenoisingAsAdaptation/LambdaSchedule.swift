// LambdaSchedule: the weight λ_Dif of the diffusion loss over training (algorithms.md §1.6,
// eq. 5): λ = β·(2/(1 + e^{−γ_s·p}) − 1), p = min(progress, 1).
import Foundation

/// eq. 5 with β = `maximum` (0.2) and γ_s = `steepness` (5).
public struct LambdaSchedule: Sendable, Equatable {
  public let maximum: Double
  public let steepness: Double

  public init(maximum: Double = 0.2, steepness: Double = 5) {
    self.maximum = maximum
    self.steepness = steepness
  }

  /// λ at training progress p (clamped to [0, 1]).
  public func lambda(progress p: Double) -> Double {
    let q = min(max(p, 0), 1)
    return maximum * (2 / (1 + exp(-steepness * q)) - 1)
  }

  /// p from epochs as the released code: epoch counts from 1, N = ctrl_epoch.
  public static func progress(epoch: Int, rampEpochs: Int) -> Double {
    min(Double(epoch) / Double(max(rampEpochs, 1)), 1)
  }

  /// p from steps, for short runs: the ramp spans `fraction` of `totalSteps`.
  public static func progress(step: Int, totalSteps: Int, fraction: Double) -> Double {
    min(Double(step) / max(fraction * Double(totalSteps), 1), 1)
  }
}
