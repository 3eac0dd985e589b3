// ImageRestoration: how a trained method turns one degraded image into a restored one — one
// forward pass of a restorer, or a sampler's loop. Validation, `noiseda eval`, `restore` and
// `sample` all go through it, so none of them names a method.
import Layers
import Tensors

/// Restores `[1, 3, H, W]` images in the method's pixel range, padding to the sizes its network
/// needs itself.
public protocol ImageRestoration {
  /// The restored image, `[1, 3, H, W]`; no gradient reaches any weight. Random draws (if any)
  /// come from `rng`.
  func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor
}

/// One forward pass of a restorer U-Net (replicate padding to its size multiple).
public struct RestorerForward: ImageRestoration {
  public let restorer: RestorerUNet

  public init(_ restorer: RestorerUNet) { self.restorer = restorer }

  public func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try Autograd.withoutGradients { try restorer.restorePadded(image) }
  }
}

/// One forward pass of any image-to-image network (a generator), replicate-padded to its size
/// multiple and cropped back.
public struct PaddedForward: ImageRestoration {
  let sizeMultiple: Int
  let forward: (Tensor) throws -> Tensor

  public init(sizeMultiple: Int, forward: @escaping (Tensor) throws -> Tensor) {
    self.sizeMultiple = sizeMultiple
    self.forward = forward
  }

  public func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try Autograd.withoutGradients { try image.paddedToMultiple(of: sizeMultiple, forward) }
  }
}

/// A sampler's loop run from the degraded image, replicate-padded to the sampler's size multiple
/// and cropped back.
public struct SamplerRestoration: ImageRestoration {
  public let sampler: Sampler

  public init(_ sampler: Sampler) { self.sampler = sampler }

  public func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor {
    try image.paddedToMultiple(of: sampler.sizeMultiple) { try sampler.sample(degraded: $0, shape: $0.shape, using: &rng) }
  }
}

extension Tensor {
  /// `body` applied to this `[N, C, H, W]` image replicate-padded at the bottom and right to
  /// multiples of `m`, its result cropped back to H × W.
  func paddedToMultiple(of m: Int, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
    let (h, w) = (shape[2], shape[3])
    let (ph, pw) = ((m - h % m) % m, (m - w % m) % m)
    guard ph > 0 || pw > 0 else { return try body(self) }
    let result = try body(try padded(top: 0, bottom: ph, left: 0, right: pw, mode: .replicate))
    return try result.slice(axis: 2, range: 0..<h).slice(axis: 3, range: 0..<w)
  }
}

/// The degraded image itself: what `noiseda eval --inputs` scores, the baseline every method must
/// beat.
public struct IdentityRestoration: ImageRestoration {
  public init() {}

  public func restore(_ image: Tensor, using rng: inout PhiloxRandom) throws -> Tensor { image }
}
