// noiseda: the command line. Each subcommand parses its flags and calls into the library
// targets; nothing here holds logic beyond parsing and printing.
import ArgumentParser
import Kernels

@main
struct NoiseDA: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "noiseda",
    abstract: "Train image-restoration networks that hold up on real-world photos (Denoising as Adaptation).",
    subcommands: [Convert.self, Train.self, Eval.self, Restore.self, Sample.self, Solve.self, Export.self, Bench.self, Inspect.self])

  static func main() {
    BLASSetup.reexecWithBetterKernelsIfNeeded()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}
