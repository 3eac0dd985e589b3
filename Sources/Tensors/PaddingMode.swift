// PaddingMode: how image borders are extended, shared by `pad` and by convolutions.

/// Border handling for padding and convolutions, as PyTorch's `padding_mode`.
public enum PaddingMode: String, Codable, CaseIterable, Sendable {
  /// Zeros outside the image (PyTorch "zeros" / F.pad "constant" with 0).
  case zeros
  /// Mirror without repeating the edge pixel (PyTorch "reflect"): …, x2, x1 | x0, x1, x2, ….
  case reflect
  /// Repeat the edge pixel (PyTorch "replicate").
  case replicate

  /// The source index for a (possibly out-of-range) index `i` in `0..<size`; nil means a zero.
  /// Reflect requires padding < size (as PyTorch).
  @inline(__always)
  public func sourceIndex(_ i: Int, size: Int) -> Int? {
    if i >= 0 && i < size { return i }
    switch self {
    case .zeros: return nil
    case .replicate: return i < 0 ? 0 : size - 1
    case .reflect:
      if size == 1 { return 0 }
      let period = 2 * (size - 1)
      var j = i % period
      if j < 0 { j += period }
      return j < size ? j : period - j
    }
  }
}
