// MethodRegistry: every method `noiseda train --set method.name=…` can run, one line each. A
// method's entry gives its name, a one-line summary, the config keys of its own section, and how
// to build it from the resolved settings. Nothing outside this file compares method names.

/// How to make one method.
public struct MethodEntry: Sendable {
  public let name: String
  public let summary: String
  /// Keys of the method's own config section (entries may share a section, e.g. `da.*`).
  public let configKeys: [ConfigKey]
  /// Builds the method (its networks uninitialised) from the settings.
  public let make: @Sendable (ConfigReading) throws -> TrainingMethod

  public init(name: String, summary: String, configKeys: [ConfigKey] = [], make: @escaping @Sendable (ConfigReading) throws -> TrainingMethod) {
    self.name = name
    self.summary = summary
    self.configKeys = configKeys
    self.make = make
  }
}

/// The registered methods.
public enum MethodRegistry {
  public static let entries: [MethodEntry] = [
    AdaptationFamily.entry(.vanilla),
    AdaptationFamily.entry(.da),
    AdaptationFamily.entry(.daUnpaired),
    ImageToImageBridge.entry,
    ConditionalDDPM.entry,
    DiffusionPrior.entry,
    ManifoldFunctionTraining.entry,
    PatchContrastiveFamily.entry(.cut),
    PatchContrastiveFamily.entry(.odcr),
    ToyAdversarial.entry,
    ToySampler.entry,
  ]

  /// Registered names, in order.
  public static var names: [String] { entries.map(\.name) }

  /// The entry named `name`, or an error listing the names.
  public static func entry(named name: String) throws -> MethodEntry {
    guard let entry = entries.first(where: { $0.name == name }) else {
      throw ConfigError(description: "method.name = '\(name)' is not a method; use one of \(names.joined(separator: ", "))")
    }
    return entry
  }

  /// Every method's section keys, once each, in registry order.
  public static var configKeys: [ConfigKey] {
    var seen = Set<String>()
    return entries.flatMap(\.configKeys).filter { seen.insert($0.name).inserted }
  }
}
