// TrainingBatch: one rank's mini-batch as the loaders deliver it to a method, one tensor per
// data kind the method asked for (DataKind).
import Tensors

/// The data a method reads from shards: synthetic pairs, unlabeled real-degraded images, clean
/// references. Each shard folder is one config key (`data.pairs`, `data.real`, `data.clean`).
public enum DataKind: String, CaseIterable, Sendable {
  case pairs, real, clean

  /// The config key naming this kind's shard folder.
  public var configKey: String { "data." + rawValue }
}

/// Synthetic pairs (x_s, y_s), real degraded x_r and clean y_c — each [B, 3, P, P]; the kinds a
/// method does not use are nil.
public struct TrainingBatch {
  public var syntheticInput: Tensor?
  public var syntheticTarget: Tensor?
  public var realInput: Tensor?
  public var clean: Tensor?

  public init(syntheticInput: Tensor? = nil, syntheticTarget: Tensor? = nil, realInput: Tensor? = nil, clean: Tensor? = nil) {
    self.syntheticInput = syntheticInput
    self.syntheticTarget = syntheticTarget
    self.realInput = realInput
    self.clean = clean
  }

  /// Images per kind.
  public var size: Int { (syntheticInput ?? realInput ?? clean)?.shape[0] ?? 0 }

  /// (x_s, y_s), or an error naming the config key that supplies them.
  public func pairs(for method: String) throws -> (input: Tensor, target: Tensor) {
    guard let syntheticInput, let syntheticTarget else { throw missing(.pairs, method) }
    return (syntheticInput, syntheticTarget)
  }

  /// x_r, or an error naming `data.real`.
  public func real(for method: String) throws -> Tensor {
    guard let realInput else { throw missing(.real, method) }
    return realInput
  }

  /// y_c, or an error naming `data.clean`.
  public func cleanImages(for method: String) throws -> Tensor {
    guard let clean else { throw missing(.clean, method) }
    return clean
  }

  private func missing(_ kind: DataKind, _ method: String) -> TensorError {
    TensorError.invalidArgument(op: method, reason: "the batch has no \(kind.rawValue) images; set \(kind.configKey) to a shard folder made by `noiseda convert --kind \(kind.rawValue)`")
  }
}
