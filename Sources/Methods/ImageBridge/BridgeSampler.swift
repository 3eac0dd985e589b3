// BridgeSampler: I2SB's few-step sampler (algorithms.md §4.6). The step list holds nfe + 1
// indices evenly spaced over [0, N−1]; from x = x₁ it walks the list backwards, and at each pair
// (n' < n): x̂₀ = x − σ_n·net(x, n), then x ← the DDPM posterior p(x_{n'} | x̂₀, x) (its noise
// dropped under OT-ODE and at n' = 0). For inpainting, `start` takes the mask (the centre box, or
// one free-form mask per image drawn from the caller's generator, so the seed fixes it) and
// replaces x₁'s masked pixels by N(0, I); after each step the known pixels are re-imposed from x₁
// (+ s_{n'}·N(0, I) unless OT-ODE). Free-form inpainting therefore wants unmasked images: the
// sampler erases the pixels itself. Runs with the EMA weights the caller loaded, seeded by the
// caller's generator.
import Tensors

/// The I2SB sampler of one trained bridge.
struct BridgeSampler: Sampler {
  let method: ImageToImageBridge
  let nfe: Int
  let otODE: Bool
  /// The inpainting mask `start` drew for the image being sampled (nil without one).
  let drawn = DrawnMask()

  /// Keeps the mask from `start` to the `update`s of the same image (`Sampler`'s methods are
  /// non-mutating, so it lives in a reference); images are sampled one at a time.
  final class DrawnMask {
    var mask: Tensor?
  }

  var steps: Int { nfe }
  var needsImageGradient: Bool { false }
  var sizeMultiple: Int { method.network.config.sizeMultiple }
  var schedule: BridgeSchedule { method.schedule }

  /// The step list, [0, …, N−1].
  var indices: [Int] { schedule.stepIndices(nfe: nfe) }

  func start(degraded: Tensor?, shape: [Int], using rng: inout PhiloxRandom) throws -> Tensor {
    guard let degraded else {
      throw TensorError.invalidArgument(op: "i2sb", reason: "I2SB samples from a degraded image x₁; use noiseda restore --input")
    }
    drawn.mask = try method.inpaintingMask(like: degraded, using: &rng)
    guard let m = drawn.mask else { return degraded }
    return try ImageToImageBridge.fillMasked(degraded, mask: m, using: &rng)
  }

  func update(_ x: Tensor, step k: Int, degraded: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
    let (previous, n) = (indices[k - 1], indices[k])
    let x1 = degraded!
    let p = schedule.posterior(from: n, to: previous)
    let noise = !otODE && p.std > 0 ? Tensor.normal(x.shape, using: &rng) : nil
    let next = try step(x, from: n, to: previous, x1: x1, noise: noise, using: &rng)
    guard let m = drawn.mask else { return next }
    var known = x1
    if !otODE { known = try x1 + Tensor.normal(x.shape, using: &rng) * Float(schedule.marginal(previous).std) }
    return try known * (1 - m) + next * m
  }

  /// One step x_n → x_{previous} with the posterior's noise given (nil: none): x̂₀ = x − σ_n·net(x, n),
  /// then c₀·x̂₀ + c_n·x (+ std·noise).
  func step(_ x: Tensor, from n: Int, to previous: Int, x1: Tensor, noise: Tensor?, using rng: inout PhiloxRandom) throws -> Tensor {
    let predicted = try method.predict(x, steps: [Int](repeating: n, count: x.shape[0]), x1: x1, using: &rng)
    let x0 = try x - predicted * Float(schedule.sigmaForward[n])
    let p = schedule.posterior(from: n, to: previous)
    let next = try x0 * Float(p.x0) + x * Float(p.xn)
    guard let noise else { return next }
    return try next + noise * Float(p.std)
  }
}
