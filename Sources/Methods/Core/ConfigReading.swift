// ConfigReading: typed read access to a run's resolved settings by dotted key, shared by the
// trainer's RunConfig and the view a method reads its settings through; ConfigKey, the
// documented setting a method adds to the schema; ConfigError, a user's mistake in one line.

/// One documented setting: its dotted name, its default (which fixes its type), its meaning and,
/// for numbers, the range a value must lie in.
public struct ConfigKey: Sendable {
  public let name: String
  public let defaultValue: ConfigValue
  public let help: String
  public let bounds: ConfigBounds?

  public init(name: String, defaultValue: ConfigValue, help: String, bounds: ConfigBounds? = nil) {
    precondition(bounds?.admits(defaultValue) ?? true, "config key \(name): default \(defaultValue) outside \(bounds!)")
    self.name = name
    self.defaultValue = defaultValue
    self.help = help
    self.bounds = bounds
  }
}

/// A user's mistake in a config file or override, as one line with the fix.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
  public let description: String

  public init(description: String) { self.description = description }
}

/// Read access to resolved settings. Keys are schema names: a wrong name or type is a
/// programming error, not a user's.
public protocol ConfigReading {
  /// The value of `name` (every schema key has one).
  func value(_ name: String) -> ConfigValue
}

extension ConfigReading {
  public func int(_ name: String) -> Int {
    guard case .int(let v) = value(name) else { preconditionFailure("config key \(name) is not an int") }
    return v
  }

  public func double(_ name: String) -> Double {
    guard case .double(let v) = value(name) else { preconditionFailure("config key \(name) is not a number") }
    return v
  }

  public func bool(_ name: String) -> Bool {
    guard case .bool(let v) = value(name) else { preconditionFailure("config key \(name) is not a bool") }
    return v
  }

  public func string(_ name: String) -> String {
    guard case .string(let v) = value(name) else { preconditionFailure("config key \(name) is not a string") }
    return v
  }

  public func doubles(_ name: String) -> [Double] {
    guard case .doubles(let v) = value(name) else { preconditionFailure("config key \(name) is not a number list") }
    return v
  }

  public func ints(_ name: String) -> [Int] {
    guard case .ints(let v) = value(name) else { preconditionFailure("config key \(name) is not an int list") }
    return v
  }
}
