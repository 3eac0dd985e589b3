// Communicator: the collective operations data-parallel training needs, independent of MPI.
// Every collective must be called by all ranks in the same order (style habit 5); decisions
// that change control flow are taken from the values these calls return.
import Foundation

/// Element types the communicators reduce: `Float` (gradients, weights) and `Double` (metrics).
public protocol CommScalar: BinaryFloatingPoint {
  /// Which wire type this is.
  static var commType: CommScalarType { get }
}

/// The element types a reduction can carry.
public enum CommScalarType: Sendable {
  case float32, float64
}

extension Float: CommScalar { public static var commType: CommScalarType { .float32 } }
extension Double: CommScalar { public static var commType: CommScalarType { .float64 } }

/// Reduction operators (MPI_SUM, MPI_MAX).
public enum ReduceOp: Sendable {
  case sum, max
}

/// A collective started without waiting (MPI_Iallreduce); the buffer must stay alive and
/// untouched until `wait()` returns or `test()` returns true.
public protocol CommRequest: AnyObject {
  /// True once the operation has completed; drives MPI progress as a side effect.
  func test() throws -> Bool
  /// Blocks until the operation has completed.
  func wait() throws
}

/// The ranks of one data-parallel run: identity, broadcasts, reductions and agreement.
/// Buffers are contiguous `count`-element arrays, reduced in place on every rank.
public protocol Communicator: AnyObject {
  /// This process's rank in 0..<size.
  var rank: Int { get }
  /// The number of ranks in the run.
  var size: Int { get }
  /// This process's rank among the ranks on the same host (for thread and device placement).
  var localRank: Int { get }
  /// The number of ranks on this host.
  var localSize: Int { get }

  /// Copies `count` elements of `buffer` on `root` into `buffer` on every rank.
  func broadcast<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, root: Int) throws
  /// Replaces `bytes` on every rank with `bytes` on `root` (any length).
  func broadcast(_ bytes: inout [UInt8], root: Int) throws
  /// Reduces `buffer` element-wise over all ranks in place (every rank gets the result).
  func allReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws
  /// Starts the same reduction and returns at once; see `CommRequest` for the buffer's lifetime.
  func startAllReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws
    -> CommRequest
  /// Returns when every rank has entered the barrier.
  func barrier() throws
  /// Each rank's `value`, indexed by rank.
  func allGather(_ value: Double) throws -> [Double]
  /// Each rank's byte string (lengths may differ), indexed by rank.
  func allGather(_ bytes: [UInt8]) throws -> [[UInt8]]
  /// Seconds any collective may stay in flight before this rank aborts the run (0 disables);
  /// must exceed the longest legitimate wait, e.g. while rank 0 validates.
  func setCollectiveTimeout(_ seconds: Double)
  /// A communicator over the same ranks whose collectives never match this one's, so another
  /// thread can run its own sequence of collectives (MPI_Comm_dup; collective).
  func duplicate() throws -> Communicator
  /// Ends the whole run from this rank with `message` on stderr and exit status `code`.
  func abort(_ message: String, code: Int32) -> Never
  /// Releases the communication library; call once at the normal end of the program.
  func finalize() throws
}
