// WeightFile: a network's named parameters (and optionally its EMA copy) in an HDF5 file that
// h5py reads directly — one float32 dataset per parameter name with the PyTorch shape, under
// the groups `parameters` and `ema`; root attributes `format` = "noiseda-weights", `version`
// and `model` (the preset name). Loading is strict, as load_state_dict(strict=True): a missing,
// unexpected or misshaped parameter is an error naming it.
import HDF5Files
import Tensors

/// Saving and loading named parameters to and from HDF5.
public enum WeightFile {
  /// The `format` attribute of weight files.
  public static let format = "noiseda-weights"
  /// The layout version this build writes and reads.
  public static let version = 1

  /// Writes the store's parameters (and the EMA copy, when given) to `path`, atomically.
  public static func save(
    _ path: String, model: String, store: ParameterStore, ema: ExponentialMovingAverage? = nil
  ) throws {
    let file = try HDF5File.create(path)
    do {
      let root = try file.root
      try root.setAttribute("format", format)
      try root.setAttribute("version", version)
      try root.setAttribute("model", model)
      try write(store.namedViews(of: store.values), to: try root.createGroup("parameters"))
      if let ema { try write(ema.namedTensors(), to: try root.createGroup("ema")) }
      try file.commit()
    } catch {
      file.abandon()
      throw error
    }
  }

  /// Reads the parameters of `path` into the store (the `ema` group instead when `useEMA`) and,
  /// when `ema` is given and the file has an `ema` group, into the EMA copy as well.
  public static func load(
    _ path: String, into store: ParameterStore, ema: ExponentialMovingAverage? = nil, useEMA: Bool = false
  ) throws {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    guard try root.hasAttribute("format"), try root.stringAttribute("format") == format else {
      throw LayersError.weightFile(path: path, reason: "not a NoiseDA weight file (no format=\(format) attribute); write it with NoiseDA's save or train")
    }
    let found = try root.intAttribute("version")
    guard found == version else {
      throw LayersError.weightFile(path: path, reason: "weight-file version \(found), this build reads \(version); re-export it with a matching noiseda")
    }
    let source = useEMA ? "ema" : "parameters"
    guard try root.contains(source) else {
      throw LayersError.weightFile(path: path, reason: "has no '\(source)' group; the run saved no EMA copy (load without --ema)")
    }
    try read(from: try root.group(source), into: store.namedViews(of: store.values), file: path)
    if let ema, try root.contains("ema") {
      try read(from: try root.group("ema"), into: ema.namedTensors(), file: path)
    }
  }

  /// The `model` attribute of a weight file (the preset it was written for).
  public static func modelName(_ path: String) throws -> String {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    return try file.root.stringAttribute("model")
  }

  /// One float32 dataset per tensor, named by its parameter name, in PyTorch shape.
  public static func write(_ tensors: [(String, Tensor)], to group: HDF5Group) throws {
    for (name, t) in tensors {
      try group.createDataset(name, of: Float.self, shape: t.shape).write(UnsafeBufferPointer(start: t.data, count: t.count))
    }
  }

  /// Fills each tensor from the dataset of its name; `file` names the file in errors.
  public static func read(from group: HDF5Group, into tensors: [(String, Tensor)], file: String) throws {
    let expected = Set(tensors.map(\.0))
    if let extra = try group.childNames().first(where: { !expected.contains($0) }) {
      throw LayersError.unexpectedParameter(name: extra, file: file)
    }
    for (name, t) in tensors {
      guard try group.contains(name) else { throw LayersError.missingParameter(name: name, file: file) }
      let dataset = try group.dataset(name)
      let shape = try dataset.shape()
      guard shape == t.shape else {
        throw LayersError.parameterShape(name: name, file: file, expected: t.shape, found: shape)
      }
      guard try dataset.holds(Float.self) else {
        throw LayersError.weightFile(path: file, reason: "parameter '\(name)' is stored as \(try dataset.typeName()), expected float32; convert it")
      }
      try dataset.read(into: UnsafeMutableBufferPointer(start: t.data, count: t.count))
    }
  }
}
