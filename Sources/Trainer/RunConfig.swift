// RunConfig: loads a YAML run config, rejects unknown keys and mistyped values, applies
// `--set key=value` overrides, and writes the resolved config back out (for checkpoints).
import Foundation
import Yams

/// A user's mistake in a config file or override, as one line with the fix.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
  public let description: String
}

/// Every setting of a run, validated against `ConfigSchema`; missing keys take their defaults.
public struct RunConfig: Equatable, Sendable {
  /// Resolved values by dotted key (every schema key is present).
  public private(set) var values: [String: ConfigValue]

  /// The schema's defaults.
  public init() {
    values = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.map { ($0.name, $0.defaultValue) })
  }

  /// Reads `path` (YAML; nested mappings become dotted keys) and applies `overrides`
  /// (`key=value` strings, later ones win).
  public static func load(path: String?, overrides: [String] = []) throws -> RunConfig {
    var config = RunConfig()
    if let path {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ConfigError(description: "config \(path): cannot read the file; check the path (presets are in cluster/configs/)")
      }
      try config.merge(yaml: text, source: path)
    }
    for item in overrides {
      guard let eq = item.firstIndex(of: "=") else {
        throw ConfigError(description: "--set \(item): expected key=value, e.g. --set train.steps=200")
      }
      try config.set(String(item[..<eq]), to: String(item[item.index(after: eq)...]), source: "--set")
    }
    return config
  }

  /// Merges a YAML document into the current values.
  public mutating func merge(yaml text: String, source: String) throws {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw ConfigError(description: "config \(source): not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
    }
    guard let node else { return }
    try merge(node, prefix: "", source: source)
  }

  private mutating func merge(_ node: Node, prefix: String, source: String) throws {
    switch node {
    case .mapping(let mapping):
      for (keyNode, value) in mapping {
        guard let key = keyNode.string else {
          throw ConfigError(description: "config \(source): a key under '\(prefix)' is not a string")
        }
        let name = prefix.isEmpty ? key : prefix + "." + key
        if case .mapping = value, ConfigSchema.byName[name] == nil {
          guard ConfigSchema.keys.contains(where: { $0.name.hasPrefix(name + ".") }) else {
            throw unknownKey(name, source: source)
          }
          try merge(value, prefix: name, source: source)
        } else {
          try set(name, to: Self.text(of: value), source: source)
        }
      }
    default:
      throw ConfigError(description: "config \(source): the top level must be a mapping of sections (run:, method:, …)")
    }
  }

  /// A scalar's text, or a sequence as `[a, b]`.
  private static func text(of node: Node) -> String {
    if case .sequence(let items) = node {
      return "[" + items.map { $0.string ?? "" }.joined(separator: ", ") + "]"
    }
    return node.string ?? ""
  }

  /// Sets one key from text, checking the key exists and the value has its type.
  public mutating func set(_ name: String, to text: String, source: String) throws {
    guard let key = ConfigSchema.byName[name] else { throw unknownKey(name, source: source) }
    guard let value = key.defaultValue.parsing(text) else {
      throw ConfigError(description: "\(source): \(name) = '\(text)' is not \(key.defaultValue.typeName) (\(key.help))")
    }
    values[name] = value
  }

  private func unknownKey(_ name: String, source: String) -> ConfigError {
    let close = ConfigSchema.keys.map(\.name).min { editDistance($0, name) < editDistance($1, name) }
    let hint = close.map { "; did you mean \($0)?" } ?? ""
    return ConfigError(description: "\(source): unknown config key '\(name)'\(hint) (noiseda train --help-config lists them)")
  }

  /// The resolved config as YAML, one `key: value` line per setting, sections nested.
  public var yaml: String {
    var out = ""
    var section = ""
    for key in ConfigSchema.keys {
      let parts = key.name.split(separator: ".", maxSplits: 1).map(String.init)
      if parts[0] != section {
        section = parts[0]
        out += "\(section):\n"
      }
      out += "  \(parts[1]): \(values[key.name]!.yaml)\n"
    }
    return out
  }

  // MARK: typed access (keys are schema names; a wrong name or type is a programming error)

  public func int(_ name: String) -> Int {
    guard case .int(let v) = values[name] else { preconditionFailure("config key \(name) is not an int") }
    return v
  }

  public func double(_ name: String) -> Double {
    guard case .double(let v) = values[name] else { preconditionFailure("config key \(name) is not a number") }
    return v
  }

  public func bool(_ name: String) -> Bool {
    guard case .bool(let v) = values[name] else { preconditionFailure("config key \(name) is not a bool") }
    return v
  }

  public func string(_ name: String) -> String {
    guard case .string(let v) = values[name] else { preconditionFailure("config key \(name) is not a string") }
    return v
  }

  public func doubles(_ name: String) -> [Double] {
    guard case .doubles(let v) = values[name] else { preconditionFailure("config key \(name) is not a number list") }
    return v
  }

  public func ints(_ name: String) -> [Int] {
    guard case .ints(let v) = values[name] else { preconditionFailure("config key \(name) is not an int list") }
    return v
  }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  var row = Array(0...b.count)
  for i in 1...max(a.count, 1) where !a.isEmpty {
    var previous = row[0]
    row[0] = i
    for j in 1...max(b.count, 1) where !b.isEmpty {
      let current = row[j]
      row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.count]
}
