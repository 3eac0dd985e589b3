// `noiseda inspect mpe`: the MPE property of a trained MPE function (method `mpe`) — its mean
// equivariance error on clean shard images against noisy, blurred and (with --prior) early-step
// x̂₀ versions of them (ManifoldCheck).
import ArgumentParser
import Foundation
import Methods
import Shards
import Tensors
import Trainer

struct InspectMPE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mpe", abstract: "Check an MPE function: its equivariance error on clean images and off the image manifold.")

  @Argument(help: "Checkpoint of method mpe.")
  var checkpoint: String
  @Option(help: "Shard folder with clean images (clean or val shards: their targets).")
  var data: String
  @Option(help: "Checkpoint of a ddpm prior: adds its early-step x̂₀ estimates.")
  var prior: String?
  @Option(help: "Images read from the shards (the first ones).")
  var count: Int = 64
  @Option(help: "Seed of the noise draws.")
  var seed: UInt64 = 0
  @Option(help: "Write the rows to this JSON file.")
  var json: String?
  @Flag(name: .customLong("no-ema"), help: "Use the raw weights instead of the EMA copies.")
  var noEMA = false

  func validate() throws {
    guard count >= 1 else { throw ValidationError("--count must be at least 1") }
  }

  func run() throws {
    let saved = try SavedModel.load(checkpoint, ema: !noEMA)
    let manifold = try saved.method.manifoldFunction()
    let priorModel = try prior.map { try SavedModel.load($0, ema: !noEMA) }
    if let priorModel, priorModel.pixelRange != saved.pixelRange {
      throw ValidationError("--prior was trained on pixels in \(priorModel.pixelRange.bounds), the MPE function on \(saved.pixelRange.bounds): train both with the same method.task")
    }
    let set = try ShardSet(folder: data)
    guard set.hasTarget else { throw ValidationError("--data \(data) holds no clean images; give clean or val shards") }
    var images = [Tensor]()
    for i in 0..<min(count, set.count) {
      guard let target = try set.sample(i).target else { continue }
      images.append(Tensor(image: target, range: saved.pixelRange))
    }
    guard images.allSatisfy({ $0.shape == images[0].shape }) else {
      throw ValidationError("--data \(data): the images differ in size; convert them with one --tile")
    }
    let rows = try ManifoldCheck.run(
      manifold, clean: try Tensor.concat(images, axis: 0), range: saved.pixelRange, prior: priorModel?.method, seed: seed)
    print("MPE function \(checkpoint) (group \(manifold.group.rawValue)), \(images.count) images of \(data)")
    for row in rows { print("  " + row.images.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "mean E %.6f", row.meanError)) }
    let clean = rows[0].meanError
    let lower = rows.dropFirst().filter { $0.meanError <= clean }.map(\.images)
    print(lower.isEmpty ? "MPE property holds: clean images have the lowest error"
                        : "MPE property fails: \(lower.joined(separator: ", ")) score at or below clean images")
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(rows).write(to: URL(fileURLWithPath: json), options: .atomic)
      print("wrote \(json)")
    }
  }
}
