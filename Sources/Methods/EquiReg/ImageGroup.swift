// ImageGroup: the transformation groups of EquiReg (algorithms.md §5.2; the authors'
// equireg/groups.py) acting on `[N, C, H, W]` images and, the same way, on an MPE function's
// spatial feature maps: hflip {identity, width flip}, rot90 {0°, 90°, 180°, 270°} (torch.rot90 over
// the last two axes; only 90° and 270° are drawn), rot180 {identity, 180°}. Each element has its
// inverse; all transforms are differentiable (flips and a transpose).
import Tensors

/// One of EquiReg's groups.
public enum ImageGroup: String, CaseIterable, Sendable {
  case hflip, rot90, rot180

  /// Number of elements (element 0 is the identity).
  public var order: Int { self == .rot90 ? 4 : 2 }

  /// The elements a penalty draws from at each call (never the identity).
  public var sampledElements: [Int] {
    switch self {
    case .hflip, .rot180: return [1]
    case .rot90: return [1, 3]
    }
  }

  /// The index of the inverse of element `g`.
  public func inverse(_ g: Int) -> Int { self == .rot90 ? (4 - g) % 4 : g }

  /// T_g·x. For rot90, element k is torch.rot90(x, k, dims=(2, 3)) (counter-clockwise).
  public func apply(_ g: Int, to x: Tensor) throws -> Tensor {
    switch (self, g) {
    case (_, 0): return x
    case (.hflip, 1): return try x.flipped(axis: 3)
    case (.rot180, 1), (.rot90, 2): return try x.flipped(axis: 3).flipped(axis: 2)
    case (.rot90, 1): return try x.permuted([0, 1, 3, 2]).flipped(axis: 2)
    case (.rot90, 3): return try x.permuted([0, 1, 3, 2]).flipped(axis: 3)
    default: throw TensorError.invalidArgument(op: "ImageGroup", reason: "\(rawValue) has no element \(g)")
    }
  }

  /// One element drawn from `sampledElements`.
  public func draw(using rng: inout PhiloxRandom) -> Int { sampledElements[rng.int(below: sampledElements.count)] }
}
