// RunConfig: loads YAML run configs (later files win), rejects empty files, unknown keys,
// duplicated keys, mistyped values and values outside a key's bounds, applies `--set key=value` overrides, remembers which keys the user set (so
// that a set key nothing reads is an error: SettingsUse), and writes the resolved config back
// out (for checkpoints).
import Foundation
import Methods
import Yams

/// Every setting of a run, validated against `ConfigSchema`; missing keys take their defaults.
public struct RunConfig: Equatable, Sendable, ConfigReading {
  /// Resolved values by dotted key (every schema key is present).
  public private(set) var values: [String: ConfigValue]
  /// Keys set by a config file or an override (not by a default), with where they were set.
  public private(set) var explicitlySet: [String: String] = [:]

  /// Two configs are equal when their values are.
  public static func == (a: RunConfig, b: RunConfig) -> Bool { a.values == b.values }

  public func value(_ name: String) -> ConfigValue {
    guard let v = values[name] else { preconditionFailure("config key \(name) is not in the schema") }
    return v
  }

  /// The schema's defaults.
  public init() {
    values = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.map { ($0.name, $0.defaultValue) })
  }

  /// Reads `paths` in order (YAML; nested mappings become dotted keys; a later file's value wins)
  /// and applies `overrides` (`key=value` strings, later ones win).
  public static func load(paths: [String], overrides: [String] = []) throws -> RunConfig {
    var config = RunConfig()
    for path in paths {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ConfigError(description: "config \(path): cannot read the file; check the path (presets are in cluster/configs/)")
      }
      guard try !config.merge(yaml: text, source: path).isEmpty else {
        throw ConfigError(description: "config \(path): the file sets no key (empty, or only comments); give it sections such as train: and data:, or drop --config \(path)")
      }
    }
    for item in overrides {
      guard let eq = item.firstIndex(of: "=") else {
        throw ConfigError(description: "--set \(item): expected key=value, e.g. --set train.steps=200")
      }
      try config.set(String(item[..<eq]), to: String(item[item.index(after: eq)...]), source: "--set")
    }
    return config
  }

  /// Merges a YAML document into the current values; returns the keys it set.
  @discardableResult
  public mutating func merge(yaml text: String, source: String) throws -> Set<String> {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw ConfigError(description: "config \(source): not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
    }
    guard let node else { return [] }
    var seen = Set<String>()
    try merge(node, prefix: "", source: source, seen: &seen)
    return seen
  }

  /// Merges one mapping; `seen` holds the keys this document has set (a key twice is an error).
  private mutating func merge(_ node: Node, prefix: String, source: String, seen: inout Set<String>) throws {
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
          try merge(value, prefix: name, source: source, seen: &seen)
        } else {
          guard seen.insert(name).inserted else {
            throw ConfigError(description: "config \(source): \(name) is set twice; keep one of the two lines")
          }
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
    if let bounds = key.bounds, !bounds.admits(value) {
      throw ConfigError(description: "\(source): \(name) = \(text) must be \(bounds) (\(key.help))")
    }
    values[name] = value
    explicitlySet[name] = source
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
