// Tensor: the float32, NCHW, contiguous array every op reads and writes. Its buffer comes from
// the caching allocator (or is a view into a larger buffer, e.g. a network's flat parameter
// block); autograd state (requiresGrad, grad, the node that made it) lives here too.
import Kernels

/// Owns one float buffer. Buffers from `BufferPool` go back to it on release; a view keeps the
/// storage it points into alive through `owner`.
public final class TensorStorage {
  public let pointer: UnsafeMutablePointer<Float>
  public let capacity: Int
  let pooled: Bool
  let owner: AnyObject?

  /// A pooled buffer of at least `count` floats, contents undefined.
  init(count: Int) {
    let (p, c) = BufferPool.shared.allocate(max(count, 1))
    pointer = p
    capacity = c
    pooled = true
    owner = nil
  }

  /// A view of memory owned by `owner` (kept alive as long as this storage lives).
  init(view pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject?) {
    self.pointer = pointer
    capacity = count
    pooled = false
    self.owner = owner
  }

  deinit {
    if pooled { BufferPool.shared.release(pointer, capacity: capacity) }
  }
}

/// A dense float32 array in row-major (NCHW for images) order, with reverse-mode autograd.
public final class Tensor {
  /// Sizes of each axis, outermost first: `[N, C, H, W]` for image batches.
  public let shape: [Int]
  /// Number of elements (product of `shape`).
  public let count: Int
  /// The buffer holding the elements (possibly shared with other tensors, e.g. `detach`).
  public let storage: TensorStorage
  /// First element.
  public let data: UnsafeMutablePointer<Float>

  /// Whether gradients are tracked for this tensor (leaves set it; ops propagate it).
  public var requiresGrad: Bool
  /// The gradient accumulated by `backward()`; same shape. For a parameter it is usually a
  /// view into the network's flat gradient buffer.
  public var grad: Tensor?
  /// The op that produced this tensor, when it was made under autograd.
  var node: GradNode?

  /// Wraps `count` floats starting at `data` inside `storage`.
  init(shape: [Int], storage: TensorStorage, data: UnsafeMutablePointer<Float>, requiresGrad: Bool = false) {
    self.shape = shape
    count = shape.reduce(1, *)
    self.storage = storage
    self.data = data
    self.requiresGrad = requiresGrad
  }

  /// A tensor with undefined contents (every op overwrites its output).
  public convenience init(uninitialized shape: [Int]) {
    let n = shape.reduce(1, *)
    precondition(shape.allSatisfy { $0 >= 0 }, "negative size in shape \(shape)")
    let s = TensorStorage(count: n)
    self.init(shape: shape, storage: s, data: s.pointer)
  }

  /// A tensor filled with `value`.
  public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
    self.init(uninitialized: shape)
    data.update(repeating: value, count: count)
    self.requiresGrad = requiresGrad
  }

  /// A tensor holding `values` (row-major); throws when the count does not match the shape.
  public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) throws {
    let n = shape.reduce(1, *)
    guard n == values.count else {
      throw TensorError.invalidArgument(
        op: "Tensor(shape:values:)", reason: "shape \(shape) holds \(n) elements, got \(values.count) values")
    }
    self.init(uninitialized: shape)
    values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: n) }
    self.requiresGrad = requiresGrad
  }

  /// A tensor that views `count` floats at `pointer`, owned by `owner` (no copy). Used for
  /// parameters inside a flat buffer and for wrapping loader batches.
  public convenience init(
    viewing pointer: UnsafeMutablePointer<Float>, shape: [Int], owner: AnyObject?, requiresGrad: Bool = false
  ) {
    let s = TensorStorage(view: pointer, count: shape.reduce(1, *), owner: owner)
    self.init(shape: shape, storage: s, data: pointer, requiresGrad: requiresGrad)
  }

  /// Zeros of the given shape.
  public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
  }

  /// Ones of the given shape.
  public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
  }

  /// A scalar (shape `[]`).
  public static func scalar(_ value: Float) -> Tensor {
    Tensor(shape: [], repeating: value)
  }

  /// Number of axes.
  public var rank: Int { shape.count }

  /// The elements as an array (row-major), for tests and small reads.
  public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

  /// The single value of a one-element tensor.
  public var item: Float {
    precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
    return data[0]
  }

  /// The same elements, no history: gradients do not flow through the result. Shares memory.
  public func detached() -> Tensor {
    Tensor(shape: shape, storage: storage, data: data)
  }

  /// A new tensor with a copy of the elements and no history.
  public func copy() -> Tensor {
    let out = Tensor(uninitialized: shape)
    out.data.update(from: data, count: count)
    return out
  }

  /// The gradient buffer, created zeroed on first use (backward kernels accumulate into it).
  public func gradBuffer() -> Tensor {
    if let g = grad { return g }
    let g = Tensor.zeros(shape)
    grad = g
    return g
  }

  /// Sets every element to zero.
  public func zero() {
    data.update(repeating: 0, count: count)
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let shown = values.prefix(8).map { String($0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
  }
}
