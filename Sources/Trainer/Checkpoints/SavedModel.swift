// SavedModel: a trained method loaded from a checkpoint for inference (`noiseda eval`, `restore`,
// `sample`, `solve`, `export`): the checkpoint verified against its checksum first (a damaged
// one is refused), the method rebuilt through the registry from the run config stored in it, the
// weights of the roles its restoration uses loaded (the EMA copy by default, where stored) and
// frozen, so a sampler's image gradients never reach them.
import Foundation
import HDF5Files
import Layers
import Methods
import Shards
import Tensors

/// A checkpoint's method, ready for inference.
public struct SavedModel {
  public let method: TrainingMethod
  /// The loaded networks of `method.inferenceRoles`, by role.
  public let stores: [String: ParameterStore]
  /// Step the checkpoint was written at.
  public let step: Int
  /// Whether the EMA copies were loaded (false when asked for the raw weights or none is stored).
  public let usedEMA: Bool
  /// The run's config (task, pixel range, presets).
  public let config: RunConfig

  /// Verifies the checkpoint at `path`, rebuilds its method and loads its inference roles: the
  /// EMA copies when `ema` and every one of them has one, else the raw parameters. A checkpoint
  /// written before checksums is loaded with a warning through `warn` (default: standard error).
  public static func load(
    _ path: String, ema: Bool, warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
  ) throws -> SavedModel {
    if let warning = try Checkpoint.verify(path) { warn(warning) }
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    try Checkpoint.checkFormat(root, path: path)
    var config = RunConfig()
    try config.merge(yaml: try root.dataset("config").readStrings().first ?? "", source: path)
    let method = try MethodRegistry.entry(named: config.string("method.name")).make(config)
    let roles = try method.inferenceRoles.map { name in
      guard let role = method.roles.first(where: { $0.name == name }) else {
        throw TrainerError("method \(method.name) restores with role '\(name)', which it does not declare")
      }
      guard try root.contains(name) else { throw TrainerError.checkpoint(path: path, reason: "has no '\(name)' network; it was written by another method") }
      return role
    }
    let usedEMA = try ema && roles.allSatisfy { try root.group($0.name).contains("ema") }
    var stores: [String: ParameterStore] = [:]
    for role in roles {
      let group = try root.group(role.name)
      let preset = try group.stringAttribute("preset")
      guard preset == role.preset else {
        throw TrainerError.checkpoint(path: path, reason: "holds a '\(preset)' \(role.name), but its config names '\(role.preset)'; the file is inconsistent")
      }
      let store = ParameterStore(module: role.module)
      try WeightFile.read(from: group.group(usedEMA ? "ema" : "params"), into: store.namedViews(of: store.values), file: path)
      store.parameters.forEach { $0.value.requiresGrad = false }
      role.module.eval()
      stores[role.name] = store
    }
    return SavedModel(method: method, stores: stores, step: try root.intAttribute("step"), usedEMA: usedEMA, config: config)
  }

  /// The pixel range the method was trained in: [0, 1] for denoising, [−1, 1] otherwise.
  public var pixelRange: PixelRange { config.pixelRange }

  /// A one-line warning when a loaded EMA copy still holds more than 10% of the initial weights
  /// (decay^step of them remain), so that scoring it would mislead; else nil.
  public var emaWarning: String? {
    guard usedEMA else { return nil }
    let decays = method.roles.filter { stores[$0.name] != nil }.compactMap(\.optimizer.emaDecay)
    guard let decay = decays.max() else { return nil }
    let initialShare = pow(decay, Double(step))
    guard initialShare > 0.1 else { return nil }
    return String(format: "warning: the EMA (decay %g) has seen %d steps and still holds %.0f%% of the initial weights; train longer, lower ema.decay, or pass --no-ema", decay, step, 100 * initialShare)
  }

  /// The `restorer` role's loaded network and preset (what `noiseda export` writes).
  public func restorer() throws -> (store: ParameterStore, preset: String) {
    guard let store = stores["restorer"], let role = method.roles.first(where: { $0.name == "restorer" }) else {
      throw TrainerError("method \(method.name) has no restorer to export; export writes restorer networks (unet-*) only")
    }
    return (store, role.preset)
  }

  /// `count` images of `height`×`width` drawn by the method's sampler without a degraded input,
  /// `[1, 3, H, W]` each, in the method's pixel range; reproducible from `rng`.
  public func samples(count: Int, height: Int, width: Int, options: RestorationOptions, using rng: inout PhiloxRandom) throws -> [Tensor] {
    let sampler = try method.sampler(options)
    return try (0..<count).map { _ in try sampler.sample(degraded: nil, shape: [1, 3, height, width], using: &rng) }
  }
}
