// NetworkRoles: what the methods need from the networks, independent of their architecture.
// Layers' RestorerUNet and DiffusionUNet conform (NetworkConformances.swift); tests use tiny
// stand-ins.
import Tensors

/// A restorer G whose output is input + predicted residual (global residual, §1.2). The DA
/// residual swap needs the residual R(x) itself.
public protocol ResidualRestorer: AnyObject {
  /// R(x): [N, 3, H, W] → [N, 3, H, W].
  func residual(_ x: Tensor) throws -> Tensor
}

extension ResidualRestorer {
  /// ŷ = x + R(x).
  public func restore(_ x: Tensor) throws -> Tensor { try x + residual(x) }
}

/// A conditional noise predictor ε_θ(input, γ) (§1.3).
public protocol NoisePredictor: AnyObject {
  /// `input`: [N, C_in, H, W] (noisy target and conditions, concatenated); `gamma`: ᾱ per sample,
  /// [N]; dropout draws from `rng`. Returns the predicted noise, [N, 3, H, W].
  func predictNoise(_ input: Tensor, gamma: [Float], using rng: inout PhiloxRandom) throws -> Tensor
}
