// PosteriorSolve: what `noiseda solve` does — an inverse problem solved by diffusion posterior
// sampling through a checkpoint's prior, for a batch of images of one size: the measurements y
// either given (images holding y) or made from clean images (`--measure`: y = A(x) + σ_y·n, the
// results scored against x), optionally with EquiReg's penalty from an MPE function, which also
// measures the equivariance error of every result. One seed draws the random-inpainting mask,
// mblur's kernel, the measurement noise and the sampler's noise.
import Methods
import Tensors

/// The solver's settings shared by every batch of one `noiseda solve`.
public struct PosteriorSolveSettings {
  public var task: MeasurementOperator.Task
  /// Network evaluations (respaced DDPM steps).
  public var steps: Int
  /// DPS's ζ.
  public var zeta: Float
  /// σ_y.
  public var noise: Float
  /// The inputs are clean images to measure (and score against).
  public var measure: Bool
  /// The MPE function (from `--mpe`): measures E of each result; EquiReg's penalty uses it.
  public var manifold: ManifoldFunction?
  /// EquiReg's penalty (`--equireg`) on `manifold`, or nil for plain DPS.
  public var equireg: EquivariancePenalty.Settings?

  public init(task: MeasurementOperator.Task, steps: Int, zeta: Float, noise: Float, measure: Bool,
              manifold: ManifoldFunction? = nil, equireg: EquivariancePenalty.Settings? = nil) {
    self.task = task
    self.steps = steps
    self.zeta = zeta
    self.noise = noise
    self.measure = measure
    self.manifold = manifold
    self.equireg = equireg
  }
}

/// One solved batch.
public struct PosteriorSolve {
  /// `[N, 3, H, W]` in the prior's range.
  public let restored: Tensor
  public let measurement: Tensor
  /// PSNR/SSIM of each result against its clean image, when the measurements were made.
  public let quality: [ImageQuality]?
  /// The MPE function's equivariance error (mean squared, averaged over the group's sampled
  /// elements) of each result, when an MPE function was given.
  public let equivarianceError: [Double]?

  /// Solves `settings.task` for `images` (`[N, 3, H, W]` in the prior's range): clean images
  /// when `settings.measure`, else measurements.
  public static func run(_ saved: SavedModel, images: Tensor, settings: PosteriorSolveSettings, seed: UInt64) throws -> PosteriorSolve {
    var rng = PhiloxRandom(seed: seed)
    let (n, h, w) = (images.shape[0], images.shape[2], images.shape[3])
    let (oh, ow) = settings.measure || settings.task != .sr4 ? (h, w) : (4 * h, 4 * w)
    let measurement = try MeasurementOperator(settings.task, height: oh, width: ow, noise: settings.noise, using: &rng)
    let y = settings.measure ? try measurement.measure(images, using: &rng) : images
    guard settings.equireg == nil || settings.manifold != nil else {
      throw TrainerError("EquiReg's penalty needs an MPE function: add --mpe CKPT (a checkpoint of method mpe)")
    }
    let penalty = settings.equireg.flatMap { equireg in settings.manifold.map { EquivariancePenalty(equireg, manifold: $0, seed: seed) } }
    let sampler = try saved.method.posteriorSampler(measurement, steps: settings.steps, zeta: settings.zeta, penalty: penalty)
    guard oh % sampler.sizeMultiple == 0, ow % sampler.sizeMultiple == 0 else {
      throw TrainerError("the images are \(ow)×\(oh); the prior's network needs multiples of \(sampler.sizeMultiple) — crop them")
    }
    let restored = try sampler.sample(degraded: y, shape: [n, 3, oh, ow], using: &rng)
    let plane = 3 * oh * ow
    let quality = settings.measure
      ? (0..<n).map { ImageQuality.measure(restored.data + $0 * plane, images.data + $0 * plane, height: oh, width: ow, range: saved.pixelRange.bounds) }
      : nil
    return PosteriorSolve(
      restored: restored, measurement: y, quality: quality, equivarianceError: try settings.manifold?.meanSquaredError(restored))
  }
}
