// `noiseda inspect`: read-only looks at models and shard folders.
import ArgumentParser

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show what a model or file contains.",
    subcommands: [InspectModel.self, InspectShards.self, InspectMPE.self])
}
