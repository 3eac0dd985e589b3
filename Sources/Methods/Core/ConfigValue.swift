// ConfigValue: one typed setting of a run config, parsed from YAML or from `--set key=value`.
import Foundation

/// A setting's value. Its case is fixed by the schema's default; input must match it.
public enum ConfigValue: Equatable, CustomStringConvertible, Sendable {
  case int(Int)
  case double(Double)
  case bool(Bool)
  case string(String)
  case doubles([Double])
  case ints([Int])

  /// The type's name as users see it in errors.
  public var typeName: String {
    switch self {
    case .int: return "an integer"
    case .double: return "a number"
    case .bool: return "true or false"
    case .string: return "a string"
    case .doubles: return "a list of numbers"
    case .ints: return "a list of integers"
    }
  }

  public var description: String {
    switch self {
    case .int(let v): return String(v)
    case .double(let v): return String(v)
    case .bool(let v): return String(v)
    case .string(let v): return v
    case .doubles(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
    case .ints(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
    }
  }

  /// The value as a YAML/JSON scalar or flow list.
  public var yaml: String {
    if case .string(let s) = self { return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    return description
  }

  /// Parses `text` (a YAML scalar or a `[a, b]` list) as a value of the same case as `self`;
  /// nil when it does not fit.
  public func parsing(_ text: String) -> ConfigValue? {
    let t = text.trimmingCharacters(in: .whitespaces)
    func list() -> [String]? {
      guard t.hasPrefix("["), t.hasSuffix("]") else { return nil }
      let inner = t.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
      return inner.isEmpty ? [] : inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
    switch self {
    case .int: return Int(t).map(ConfigValue.int)
    case .double: return Double(t).map(ConfigValue.double)
    case .bool:
      switch t.lowercased() {
      case "true", "yes", "on": return .bool(true)
      case "false", "no", "off": return .bool(false)
      default: return nil
      }
    case .string:
      let unquoted = t.count >= 2 && (t.hasPrefix("\"") && t.hasSuffix("\"") || t.hasPrefix("'") && t.hasSuffix("'"))
        ? String(t.dropFirst().dropLast()) : t
      return .string(unquoted)
    case .doubles:
      guard let items = list() else { return nil }
      let values = items.compactMap(Double.init)
      return values.count == items.count ? .doubles(values) : nil
    case .ints:
      guard let items = list() else { return nil }
      let values = items.compactMap(Int.init)
      return values.count == items.count ? .ints(values) : nil
    }
  }
}
