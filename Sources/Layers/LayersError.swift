// LayersError: what the Layers target reports for mistakes a user can make — an unknown model
// name, a weight file that does not fit the network.

/// A one-line, user-facing refusal naming the thing at fault and the fix.
public enum LayersError: Error, CustomStringConvertible, Equatable {
  /// No preset of that name.
  case unknownPreset(name: String, known: [String])
  /// A parameter the network needs is absent from a weight file.
  case missingParameter(name: String, file: String)
  /// A weight file holds a parameter the network does not have.
  case unexpectedParameter(name: String, file: String)
  /// A parameter in a weight file has another shape than the network's.
  case parameterShape(name: String, file: String, expected: [Int], found: [Int])
  /// A weight file that cannot be read or written.
  case weightFile(path: String, reason: String)

  public var description: String {
    switch self {
    case .unknownPreset(let name, let known):
      return "unknown model '\(name)'; choose one of: \(known.joined(separator: ", "))"
    case .missingParameter(let name, let file):
      return "\(file): parameter '\(name)' is missing; the file was written for another model (check the preset name)"
    case .unexpectedParameter(let name, let file):
      return "\(file): parameter '\(name)' does not exist in this model; the file was written for another model (check the preset name)"
    case .parameterShape(let name, let file, let expected, let found):
      return "\(file): parameter '\(name)' has shape \(found), the model needs \(expected); the file was written for another model (check the preset name)"
    case .weightFile(let path, let reason):
      return "\(path): \(reason)"
    }
  }
}
