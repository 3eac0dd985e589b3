// PaddingMode: how image borders are extended, shared by `pad` and by convolutions; the index
// mapping itself is Kernels' BorderRule.
import Kernels

/// Border handling for padding and convolutions, as PyTorch's `padding_mode`.
public enum PaddingMode: String, Codable, CaseIterable, Sendable {
  /// Zeros outside the image (PyTorch "zeros" / F.pad "constant" with 0).
  case zeros
  /// Mirror without repeating the edge pixel (PyTorch "reflect"): …, x2, x1 | x0, x1, x2, ….
  case reflect
  /// Repeat the edge pixel (PyTorch "replicate").
  case replicate

  /// The kernel-level border rule for this mode (Kernels sits below Tensors).
  var borderRule: BorderRule {
    switch self {
    case .zeros: return .zeros
    case .reflect: return .reflect
    case .replicate: return .replicate
    }
  }

  /// The source index for a (possibly out-of-range) index `i` in `0..<size`; nil means a zero.
  /// Reflect requires padding < size (as PyTorch).
  @inline(__always)
  public func sourceIndex(_ i: Int, size: Int) -> Int? {
    let j = borderRule.source(i, size: size)
    return j < 0 ? nil : j
  }
}
