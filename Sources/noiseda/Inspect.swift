// `noiseda inspect`: read-only looks at models (and, from other helpers, data files).
import ArgumentParser

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show what a model or file contains.",
    subcommands: [InspectModel.self])
}
