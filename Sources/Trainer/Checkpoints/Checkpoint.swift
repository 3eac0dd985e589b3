// Checkpoint: everything needed to continue a run bit-identically, in one HDF5 file readable by
// h5py — per role (`restorer`, `diffusion`, …): `params/<name>` and `ema/<name>` in PyTorch
// shapes, the flat Adam moments `adam_m`/`adam_v` and the Adam step; every rank's RNG state and
// loader cursors (JSON strings in `ranks`); the resolved config (`config`); step and best
// validation PSNR as attributes; in its first 512 bytes, its seal (CheckpointChecksum). Rank 0
// writes it under a temporary name and renames it when complete, so a crash never leaves a
// half-written checkpoint under the final name, and a failed write (a full disk) leaves none.
import Foundation
import HDF5Files
import Layers
import Shards
import Tensors

/// What one rank contributes to a checkpoint: its method RNG and its loaders' positions.
public struct RankState: Codable, Equatable, Sendable {
  public var rng: [UInt64]
  public var cursors: [String: LoaderCursor]

  public init(rng: [UInt64], cursors: [String: LoaderCursor]) {
    self.rng = rng
    self.cursors = cursors
  }
}

/// Reads and writes run checkpoints.
public enum Checkpoint {
  static let format = "noiseda-checkpoint"
  static let version = 1

  /// The run position stored beside the weights.
  public struct Header: Equatable, Sendable {
    public var step: Int
    public var bestPSNR: Double
    public var config: String
    public var ranks: [RankState]
  }

  /// Writes `networks` (with EMA copies and Adam state) and `header` to `path` atomically, sealed
  /// with its checksum. A failed write (a full disk, an I/O error) leaves no file behind, the
  /// earlier checkpoints untouched, and is one line naming `path` and the cause.
  public static func write(_ path: String, networks: [TrainedNetwork], header: Header) throws {
    do {
      try writeSealed(path, networks: networks, header: header)
    } catch {
      let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
      throw TrainerError.checkpoint(path: path, reason: "could not be written (\(error)); the earlier checkpoints are intact: free space in \(folder) or fix the disk, then continue with --resume auto")
    }
  }

  private static func writeSealed(_ path: String, networks: [TrainedNetwork], header: Header) throws {
    let file = try HDF5File.create(path, sealed: true)
    do {
      let root = try file.root
      try root.setAttribute("format", format)
      try root.setAttribute("version", version)
      try root.setAttribute("step", header.step)
      try root.setAttribute("best_psnr", header.bestPSNR)
      try root.createStringDataset("config", [header.config])
      let encoder = JSONEncoder()
      encoder.outputFormatting = .sortedKeys
      try root.createStringDataset("ranks", header.ranks.map { String(decoding: try encoder.encode($0), as: UTF8.self) })
      for network in networks {
        let group = try root.createGroup(network.role)
        try group.setAttribute("preset", network.preset)
        try group.setAttribute("adam_step", network.optimizer.stepCount)
        try WeightFile.write(network.store.namedViews(of: network.store.values), to: group.createGroup("params"))
        if let ema = network.ema { try WeightFile.write(ema.namedTensors(), to: group.createGroup("ema")) }
        for (name, buffer) in [("adam_m", network.optimizer.firstMoment), ("adam_v", network.optimizer.secondMoment)] {
          try group.createDataset(name, of: Float.self, shape: [buffer.count]).write(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count))
        }
      }
      try file.commit()
    } catch {
      file.abandon()
      throw error
    }
  }

  /// Reads the header of `path` and checks its format, version and that it holds `roles`.
  public static func readHeader(_ path: String, roles: [String]) throws -> Header {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    try checkFormat(root, path: path)
    let found = try root.intAttribute("version")
    guard found == version else {
      throw TrainerError.checkpoint(path: path, reason: "has version \(found), this build reads \(version); resume with the NoiseDA that wrote it")
    }
    for role in roles where try !root.contains(role) {
      throw TrainerError.checkpoint(path: path, reason: "has no '\(role)' network; it was written by another method")
    }
    let decoder = JSONDecoder()
    return Header(
      step: try root.intAttribute("step"), bestPSNR: try root.doubleAttribute("best_psnr"),
      config: try root.dataset("config").readStrings().first ?? "",
      ranks: try root.dataset("ranks").readStrings().map { try decoder.decode(RankState.self, from: Data($0.utf8)) })
  }

  /// Loads the parameters (and, where the network keeps them, EMA and Adam state) of
  /// `networks` from `path`. A missing or misshaped parameter is an error naming it.
  public static func load(_ path: String, into networks: [TrainedNetwork]) throws {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    for network in networks {
      let group = try file.root.group(network.role)
      try WeightFile.read(from: group.group("params"), into: network.store.namedViews(of: network.store.values), file: path)
      if let ema = network.ema { try WeightFile.read(from: group.group("ema"), into: ema.namedTensors(), file: path) }
      network.optimizer.stepCount = try group.intAttribute("adam_step")
      for (name, buffer) in [("adam_m", network.optimizer.firstMoment), ("adam_v", network.optimizer.secondMoment)] {
        let dataset = try group.dataset(name)
        guard try dataset.shape() == [buffer.count] else {
          throw TrainerError.checkpoint(path: path, reason: "\(network.role)/\(name) has shape \(try dataset.shape()), expected [\(buffer.count)]")
        }
        try dataset.read(into: UnsafeMutableBufferPointer(start: buffer.pointer, count: buffer.count))
      }
    }
  }

  /// Whether `path` is a NoiseDA checkpoint (step-N.h5 or best.h5 of a run folder), as opposed to
  /// a plain weight file: a sealed file (only checkpoints are, and a damaged one is then refused
  /// by `SavedModel`, before libhdf5 reads it), or one whose format says so; false when it cannot
  /// be opened.
  public static func isCheckpoint(_ path: String) -> Bool {
    if let verdict = try? HDF5FileSeal.check(path), verdict != .unsealed { return true }
    guard let file = try? HDF5File.open(path) else { return false }
    defer { try? file.close() }
    guard let root = try? file.root else { return false }
    return (try? checkFormat(root, path: path)) != nil
  }

  /// Throws unless `root` carries this format's name.
  static func checkFormat(_ root: HDF5Group, path: String) throws {
    guard try root.hasAttribute("format"), try root.stringAttribute("format") == format else {
      throw TrainerError.checkpoint(path: path, reason: "is not a NoiseDA checkpoint (no format = \(format))")
    }
  }
}
