// StepMemoryEstimate: a floor on the memory one training step of a config needs on one rank —
// from the method's networks (parameters), data.batch and data.patch — checked against the
// machine's memory before anything of the run is allocated, so that a batch or patch no machine
// can hold is refused with the numbers instead of crashing in an allocation. It is a floor, not
// a forecast: activations are counted as each network's input and its first convolution's
// output (and that output's gradient) at full resolution, where real use is several times more;
// only configs that cannot fit at all are refused (docs/training.md).
import Comm
import Foundation
import Layers
import Methods

/// The floor of one rank's memory for a training step, by part, in bytes.
public struct StepMemoryEstimate: Equatable, Sendable {
  /// Values, gradients, Adam's two moments and the EMA copy: 5 floats per parameter.
  public let parameterBytes: Double
  /// The loaders' batches: input and target of every data kind, queued and in use.
  public let batchBytes: Double
  /// Each network's input and first full-resolution feature map, with its gradient.
  public let activationBytes: Double

  public var totalBytes: Double { parameterBytes + batchBytes + activationBytes }

  /// The floor for `config`: builds its method's networks (not initialised) to count them.
  public init(config: RunConfig) throws {
    let method = try MethodRegistry.entry(named: config.string("method.name")).make(config)
    let batch = Double(config.int("data.batch"))
    let pixels = Double(config.int("data.patch")) * Double(config.int("data.patch"))
    let floats = MemoryLayout<Float>.size
    parameterBytes = method.roles.reduce(0) { $0 + 5 * Double($1.module.parameterCount) * Double(floats) }
    // Two tensors (input, target) per data kind, in the prefetch queue plus the one in use.
    let queued = Double(config.int("data.prefetch") + 1)
    batchBytes = Double(method.dataKinds.count) * 2 * queued * batch * 3 * pixels * Double(floats)
    let perPixel = method.roles.reduce(0.0) { total, role in
      let firstConvolution = role.module.namedParameters().first { $0.1.shape.count == 4 }?.1.shape
      return total + Double((firstConvolution?[1] ?? 3) + 2 * (firstConvolution?[0] ?? 0))
    }
    activationBytes = batch * pixels * perPixel * Double(floats)
  }

  /// Throws when `ranksOnHost` ranks of this floor exceed `physicalMemory` bytes, naming the
  /// settings that size the step and where they were set.
  public func check(_ config: RunConfig, physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory,
                    ranksOnHost: Int = StepMemoryEstimate.ranksOnThisHost) throws {
    let needed = totalBytes * Double(max(ranksOnHost, 1))
    guard needed > Double(physicalMemory) else { return }
    let settings = ["data.batch", "data.patch"].map { key in
      "\(key) = \(config.value(key))" + (config.explicitlySet[key].map { " (\($0))" } ?? "")
    }
    let ranks = ranksOnHost > 1 ? " × \(ranksOnHost) ranks on this host" : ""
    throw ConfigError(description: "\(settings.joined(separator: ", ")) need at least \(gibibytes(totalBytes)) per rank\(ranks) for one training step (parameters and optimiser state \(gibibytes(parameterBytes)), batches \(gibibytes(batchBytes)), activations \(gibibytes(activationBytes))), more than this machine's \(gibibytes(Double(physicalMemory))) of memory; lower data.batch or data.patch")
  }

  /// Ranks the launcher started on this host (1 outside mpirun and srun).
  public static var ranksOnThisHost: Int { LaunchEnvironment().ranksOnHost }
}

/// `bytes` as "12.3 GiB" (any size, without overflow).
private func gibibytes(_ bytes: Double) -> String {
  String(format: bytes >= 0x1p50 ? "%.3g GiB" : "%.1f GiB", bytes / 0x1p30)
}
