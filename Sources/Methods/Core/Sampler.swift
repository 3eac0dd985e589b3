// Sampler: multi-step inference — a network evaluated K times, x_K → x_{K−1} → … → x_0, each step
// an update the sampler defines (a DDPM posterior step, a bridge step, a DPS step). The loop lives
// here once: seeded through the rng it is given, without gradients unless the sampler asks for
// ∇ₓ of the current image (DPS), in which case x_k requires a gradient during its update while
// the weights stay frozen (whoever loaded the networks froze them).
import Tensors

/// One multi-step inference procedure.
public protocol Sampler {
  /// K: network evaluations (NFE).
  var steps: Int { get }
  /// Whether `update` takes gradients with respect to the current image.
  var needsImageGradient: Bool { get }
  /// Image sides must be multiples of this (the sampler pads otherwise; 1: any size).
  var sizeMultiple: Int { get }
  /// x_K from the degraded image, or from nothing (unconditional sampling) at `shape`.
  func start(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor
  /// x_{k−1} from x_k, for k = K … 1. With `needsImageGradient`, `x` requires a gradient and
  /// autograd records; the returned image must not (detach it).
  func update(_ x: Tensor, step k: Int, degraded: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor
}

extension Sampler {
  /// Runs the K updates from `start` and returns x_0.
  public func sample(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    var x = try Autograd.withoutGradients { try start(degraded: degraded, shape: shape, using: &rng) }
    for k in stride(from: steps, through: 1, by: -1) {
      if needsImageGradient {
        let current = x.detached()
        current.requiresGrad = true
        x = try update(current, step: k, degraded: degraded, using: &rng).detached()
      } else {
        let current = x
        x = try Autograd.withoutGradients { try update(current, step: k, degraded: degraded, using: &rng) }
      }
    }
    return x
  }
}
