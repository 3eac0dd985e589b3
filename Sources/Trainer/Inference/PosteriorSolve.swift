// PosteriorSolve: what `noiseda solve` does — an inverse problem solved by diffusion posterior
// sampling through a checkpoint's prior: the measurement y either given (an image file holding
// y) or made from a clean image (`--measure`: y = A(x) + σ_y·n, and the result scored against x),
// the sampler seeded, the restored image returned in the prior's pixel range.
import Methods
import Tensors

/// One solved inverse problem.
public struct PosteriorSolve {
  public let restored: Tensor
  public let measurement: Tensor
  /// PSNR/SSIM against the clean image, when the measurement was made from one.
  public let quality: ImageQuality?

  /// Solves `task` for `image` ([1, 3, H, W] in the prior's range): the clean image when
  /// `measure`, else the measurement itself. The random-inpainting mask, the measurement noise
  /// and the sampler's draws come from `seed`.
  public static func run(_ saved: SavedModel, task: MeasurementOperator.Task, image: Tensor, measure: Bool, steps: Int,
                         zeta: Float, noise: Float, seed: UInt64) throws -> PosteriorSolve {
    var rng = PhiloxRandom(seed: seed)
    let (h, w) = (image.shape[2], image.shape[3])
    let (oh, ow) = measure || task != .sr4 ? (h, w) : (4 * h, 4 * w)
    let measurement = try MeasurementOperator(task, height: oh, width: ow, noise: noise, using: &rng)
    let y = measure ? try measurement.measure(image, using: &rng) : image
    let sampler = try saved.method.posteriorSampler(measurement, steps: steps, zeta: zeta)
    guard oh % sampler.sizeMultiple == 0, ow % sampler.sizeMultiple == 0 else {
      throw TrainerError("the image is \(ow)×\(oh); the prior's network needs multiples of \(sampler.sizeMultiple) — crop it")
    }
    let restored = try sampler.sample(degraded: y, shape: [1, 3, oh, ow], using: &rng)
    let quality = measure
      ? ImageQuality.measure(restored.data, image.data, height: oh, width: ow, range: saved.pixelRange.bounds)
      : nil
    return PosteriorSolve(restored: restored, measurement: y, quality: quality)
  }
}
