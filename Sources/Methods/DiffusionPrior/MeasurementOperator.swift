// MeasurementOperator: the forward operators A of diffusion posterior sampling (algorithms.md §5.7,
// DPS's measurements), differentiable in x as compositions of the engine's ops, with Gaussian
// measurement noise σ_y (0.05 for images in [−1, 1]): 4× super-resolution (4×4 average pooling),
// Gaussian deblurring (a 61×61 kernel of σ = 3 per channel, reflect padding 30, as DPS's
// Blurkernel), motion deblurring (a seeded 61×61 MotionBlurKernel of intensity 0.5, the same
// padding), box inpainting (the centre half of each side removed) and random inpainting (a
// seeded fraction of the pixels removed).
import Foundation
import Tensors

/// y = A(x) + σ_y·n.
public struct MeasurementOperator {
  /// The tasks `noiseda solve --task` names.
  public enum Task: String, CaseIterable, Sendable {
    case sr4, gblur, mblur
    case inpaintBox = "inpaint-box"
    case inpaintRandom = "inpaint-random"
  }

  public let task: Task
  /// σ_y.
  public let noise: Float
  /// The kept-pixel mask `[1, 1, H, W]` of the inpainting tasks.
  let mask: Tensor?
  /// The blur kernel `[3, 1, 61, 61]` of gblur and mblur.
  let kernel: Tensor?

  /// The operator of `task` for images of `height` × `width`; random inpainting removes
  /// `removed` of the pixels; that mask and mblur's kernel are drawn from `rng`.
  public init(_ task: Task, height: Int, width: Int, noise: Float = 0.05, removed: Double = 0.7, using rng: inout PhiloxRandom) throws {
    self.task = task
    self.noise = noise
    switch task {
    case .sr4:
      guard height % 4 == 0, width % 4 == 0 else {
        throw ConfigError(description: "--task sr4 needs a size that is a multiple of 4, got \(width)×\(height)")
      }
      (mask, kernel) = (nil, nil)
    case .gblur, .mblur:
      let radius = 30, side = 61
      guard height > radius, width > radius else {
        throw ConfigError(description: "--task \(task.rawValue) needs images larger than \(radius) px (reflect padding \(radius))")
      }
      kernel = task == .gblur
        ? try BlurKernel.gaussian(radius: radius, sigma: 3, channels: 3)
        : try BlurKernel.depthwise(MotionBlurKernel.make(size: side, intensity: 0.5, using: &rng), channels: 3)
      mask = nil
    case .inpaintBox:
      let m = Tensor(shape: [1, 1, height, width], repeating: 1)
      for y in (height / 4)..<(height / 4 + height / 2) { for x in (width / 4)..<(width / 4 + width / 2) { m.data[y * width + x] = 0 } }
      (mask, kernel) = (m, nil)
    case .inpaintRandom:
      let m = Tensor(shape: [1, 1, height, width], repeating: 1)
      for i in 0..<(height * width) where Double(rng.uniform()) < removed { m.data[i] = 0 }
      (mask, kernel) = (m, nil)
    }
  }

  /// A(x) for `[N, 3, H, W]`.
  public func apply(_ x: Tensor) throws -> Tensor {
    switch task {
    case .sr4: return try x.avgPool2d(kernel: 4, stride: 4)
    case .gblur, .mblur: return try conv2d(x, weight: kernel!, bias: nil, padding: 30, paddingMode: .reflect, groups: 3)
    case .inpaintBox, .inpaintRandom: return try x * mask!
    }
  }

  /// y = A(x) + σ_y·n with n from `rng` (without gradients).
  public func measure(_ x: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try Autograd.withoutGradients {
      let clean = try apply(x)
      return try clean + Tensor.normal(clean.shape, using: &rng) * noise
    }
  }
}
