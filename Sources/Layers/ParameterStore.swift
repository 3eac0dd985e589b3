// ParameterStore: all parameters of one network in one flat, 64-byte-aligned float buffer and
// their gradients in a second one of the same layout. Each parameter becomes a view into the
// first, its `grad` a view into the second, so backward accumulates straight into the flat
// gradient buffer, and the optimizer, EMA, clipping, all-reduce and checkpoint I/O are single
// passes over one block (llm.c's layout). Each parameter starts on a 16-float boundary; the
// padding floats stay zero in both buffers.
import Foundation
import Tensors

/// A 64-byte-aligned block of floats, zeroed at allocation, freed with its last reference.
/// Parameter views hold it as their owner (not the store), so no reference cycle arises.
public final class FlatBuffer {
  /// First float.
  public let pointer: UnsafeMutablePointer<Float>
  /// Number of floats.
  public let count: Int

  /// `count` zeroed floats.
  public init(count: Int) {
    var raw: UnsafeMutableRawPointer?
    guard posix_memalign(&raw, 64, max(count, 16) * MemoryLayout<Float>.stride) == 0, let raw else {
      fatalError("out of memory allocating a flat buffer of \(count) floats")
    }
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 16))
    self.count = count
    pointer.update(repeating: 0, count: count)
  }

  /// Sets every float to zero (one memset).
  public func zero() { memset(pointer, 0, count * MemoryLayout<Float>.stride) }

  /// Copies all floats from `other` (same count).
  public func copy(from other: FlatBuffer) {
    precondition(other.count == count, "FlatBuffer.copy: \(other.count) floats into \(count)")
    pointer.update(from: other.pointer, count: count)
  }

  deinit { free(pointer) }
}

/// The flat parameter and gradient buffers of one network, with a name → offset table.
public final class ParameterStore {
  /// Where one named parameter lives in the flat buffers.
  public struct Entry: Equatable, Sendable {
    /// Full dotted name, e.g. `down_path.0.block.0.weight`.
    public let name: String
    /// PyTorch shape.
    public let shape: [Int]
    /// Offset of its first float in `values` / `gradients` (a multiple of 16).
    public let offset: Int
    /// Number of floats.
    public var count: Int { shape.reduce(1, *) }
  }

  /// Entries in PyTorch `named_parameters()` order.
  public let entries: [Entry]
  /// The parameters themselves, same order as `entries`.
  public let parameters: [Parameter]
  /// Parameter values (including zero padding between parameters).
  public let values: FlatBuffer
  /// Gradients, same layout as `values`.
  public let gradients: FlatBuffer
  private let index: [String: Int]

  /// Adopts every parameter of `module`: copies its current values into one flat buffer and
  /// rebinds each `Parameter.value` (and its `grad`) to views of the flat buffers.
  public init(module: Module) {
    let named = module.namedParameters()
    var entries: [Entry] = []
    var offset = 0
    for (name, p) in named {
      entries.append(Entry(name: name, shape: p.shape, offset: offset))
      offset += (p.count + 15) & ~15
    }
    values = FlatBuffer(count: offset)
    gradients = FlatBuffer(count: offset)
    self.entries = entries
    parameters = named.map { $0.1 }
    var index: [String: Int] = [:]
    for (i, e) in entries.enumerated() {
      precondition(index[e.name] == nil, "duplicate parameter name \(e.name)")
      index[e.name] = i
    }
    self.index = index
    for (e, p) in zip(entries, parameters) {
      let v = values.pointer + e.offset
      v.update(from: p.value.data, count: e.count)
      let view = Tensor(viewing: v, shape: e.shape, owner: values, requiresGrad: true)
      view.grad = Tensor(viewing: gradients.pointer + e.offset, shape: e.shape, owner: gradients)
      p.value = view
    }
  }

  /// Floats in each flat buffer (parameters plus alignment padding).
  public var flatCount: Int { values.count }

  /// Number of parameter elements (without padding).
  public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }

  /// The entry named `name`, if any.
  public func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

  /// The parameter named `name`, if any.
  public func parameter(named name: String) -> Parameter? { index[name].map { parameters[$0] } }

  /// Zeroes every gradient (one memset over the flat gradient buffer).
  public func zeroGrad() { gradients.zero() }

  /// Fills every parameter per its `ParameterInit`, drawing in entry order from `rng`
  /// (Kaiming normal fan-in with ReLU gain or Xavier normal for weights, zeros for biases, ones
  /// for norm scales).
  public func initialize(using rng: inout PhiloxRandom) {
    for (e, p) in zip(entries, parameters) {
      let v = values.pointer + e.offset
      // torch.nn.init's fans: fan_in = shape[1] · receptive field, fan_out = shape[0] · receptive field.
      let receptive = e.shape.dropFirst(2).reduce(1, *)
      let fanIn = e.shape.count > 1 ? e.shape[1] * receptive : e.shape[0]
      switch p.initializer {
      case .zeros: v.update(repeating: 0, count: e.count)
      case .ones: v.update(repeating: 1, count: e.count)
      case .kaimingNormal:
        let std = (2 / Float(fanIn)).squareRoot()
        for i in 0..<e.count { v[i] = std * rng.normal() }
      case .xavierNormal(let gain):
        let std = gain * (2 / Float(fanIn + e.shape[0] * receptive)).squareRoot()
        for i in 0..<e.count { v[i] = std * rng.normal() }
      }
    }
  }

  /// Tensors viewing the same layout in another flat buffer (e.g. an EMA copy or an Adam
  /// moment), keyed by parameter name, in entry order.
  public func namedViews(of buffer: FlatBuffer) -> [(String, Tensor)] {
    precondition(buffer.count == flatCount, "namedViews: buffer of \(buffer.count) floats, store has \(flatCount)")
    return entries.map { e in (e.name, Tensor(viewing: buffer.pointer + e.offset, shape: e.shape, owner: buffer)) }
  }
}

extension ParameterStore {
  /// Copies `tensors` into the parameters by name, strictly, as PyTorch's
  /// `load_state_dict(strict=True)`: every parameter must be there with its shape, and no other
  /// tensor may be. `source` names the file in errors.
  public func load(_ tensors: [String: Tensor], strictlyFrom source: String) throws {
    let views = namedViews(of: values)
    let names = Set(views.map(\.0))
    if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
      throw LayersError.weightFile(path: source, reason: "holds '\(extra)', which the network has no parameter of")
    }
    for (name, view) in views {
      guard let t = tensors[name] else { throw LayersError.weightFile(path: source, reason: "lacks parameter '\(name)'") }
      guard t.shape == view.shape else {
        throw LayersError.weightFile(path: source, reason: "'\(name)' has shape \(t.shape), the network's is \(view.shape)")
      }
      view.data.update(from: t.data, count: t.count)
    }
  }
}
