// `noiseda bench`: throughput measurements (release build), one subcommand per subject.
import ArgumentParser

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure throughput (use a release build: swift build -c release).",
    subcommands: [BenchOps.self, BenchModels.self, BenchData.self, BenchStep.self])
}
