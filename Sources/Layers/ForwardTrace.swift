// ForwardTrace: while active, every layer records its output shape and its forward FLOPs
// (2 per multiply-add of convolutions, linear maps and attention products; element-wise
// work and normalisation are not counted, as in the usual GMAC tables). ModelSummary runs one
// forward pass under a trace to fill its layer table.
import Tensors

/// The per-layer records of one traced forward pass.
public final class ForwardTrace {
  /// One layer call.
  public struct Record {
    /// The layer that ran.
    public let layer: ObjectIdentifier
    /// Its output shape, `[N, C, H, W]` for image layers.
    public let outputShape: [Int]
    /// FLOPs of the call (2 per multiply-add).
    public let flops: Double
  }

  nonisolated(unsafe) static var active: ForwardTrace?
  /// Records in call order.
  public private(set) var records: [Record] = []

  /// Runs `body` with tracing on and returns what it recorded (nested traces are not supported:
  /// the inner one takes over until it ends).
  public static func run(_ body: () throws -> Void) rethrows -> ForwardTrace {
    let trace = ForwardTrace()
    let previous = active
    active = trace
    defer { active = previous }
    try body()
    return trace
  }

  /// Called by layers after computing `output`; a no-op unless a trace is active.
  @inline(__always)
  static func record(_ layer: AnyObject, _ output: Tensor, flops: Double) {
    guard let trace = active else { return }
    trace.records.append(Record(layer: ObjectIdentifier(layer), outputShape: output.shape, flops: flops))
  }

  /// Sum of all recorded FLOPs.
  public var totalFlops: Double { records.reduce(0) { $0 + $1.flops } }
}
