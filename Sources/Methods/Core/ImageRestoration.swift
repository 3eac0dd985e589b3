// ImageRestoration: how a trained method turns one degraded image into a restored one — one
// forward pass of a restorer, or a sampler's loop. Validation, `noiseda eval`, `restore` and
// `sample` all go through it, so none of them names a method.
import Layers
import Tensors

/// Restores `[1, 3, H, W]` images in the method's pixel range.
public protocol ImageRestoration {
  /// Multiples of this size the network needs; the restoration pads or tiles itself to fit.
  var sizeMultiple: Int { get }
  /// The restored image, `[1, 3, H, W]`; no gradient reaches any weight. Random draws (if any)
  /// come from `rng`.
  func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor
}

/// One forward pass of a restorer U-Net (replicate padding to its size multiple).
public struct RestorerForward: ImageRestoration {
  public let restorer: RestorerUNet

  public init(_ restorer: RestorerUNet) { self.restorer = restorer }

  public var sizeMultiple: Int { restorer.config.sizeMultiple }

  public func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try Autograd.withoutGradients { try restorer.restorePadded(image) }
  }
}

/// A sampler's loop run from the degraded image.
public struct SamplerRestoration: ImageRestoration {
  public let sampler: Sampler

  public init(_ sampler: Sampler) { self.sampler = sampler }

  public var sizeMultiple: Int { sampler.sizeMultiple }

  public func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try sampler.sample(degraded: image, shape: image.shape, using: &rng)
  }
}
