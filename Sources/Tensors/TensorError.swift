// TensorError: what an op reports when it is called with shapes or arguments it cannot take.

/// An op's refusal, naming the op and the shapes or values involved.
public enum TensorError: Error, CustomStringConvertible, Equatable {
  /// Two or more shapes that do not fit together for `op`.
  case shapeMismatch(op: String, shapes: [[Int]], reason: String)
  /// An argument out of range for `op` (axis, kernel size, stride, …).
  case invalidArgument(op: String, reason: String)
  /// `backward()` called on something it cannot start from.
  case backward(reason: String)

  public var description: String {
    switch self {
    case .shapeMismatch(let op, let shapes, let reason):
      let list = shapes.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
      return "\(op): shapes \(list.joined(separator: " and ")) \(reason)"
    case .invalidArgument(let op, let reason):
      return "\(op): \(reason)"
    case .backward(let reason):
      return "backward: \(reason)"
    }
  }
}
