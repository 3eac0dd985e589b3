// SettingsUse: a run's settings as the trainer and its method read them during set-up. Every read
// is recorded; when set-up is done, a key the user set (in a config file or with --set) that
// nothing read is an error naming it, so no key is accepted and ignored. Reads must not depend on
// the rank: every rank reads every key it could use.
import Methods

/// Read access to a `RunConfig` that remembers which keys were read.
final class SettingsUse: ConfigReading {
  let config: RunConfig
  private(set) var read = Set<String>()

  init(_ config: RunConfig) { self.config = config }

  func value(_ name: String) -> ConfigValue {
    read.insert(name)
    return config.value(name)
  }

  /// Throws for the first (by name) key set by the user that no read asked for.
  func checkEverySetKeyIsRead(method: String) throws {
    let unused = config.explicitlySet.keys.filter { !read.contains($0) }.sorted()
    guard let first = unused.first else { return }
    let others = unused.count > 1 ? " (and \(unused.dropFirst().joined(separator: ", ")))" : ""
    throw ConfigError(description: "\(config.explicitlySet[first]!): \(first)\(others) is not used by method \(method); remove it, or pick the method that reads it")
  }
}
