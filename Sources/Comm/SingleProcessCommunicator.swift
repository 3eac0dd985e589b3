// SingleProcessCommunicator: the world of one rank, used when the program was not started by
// mpirun. Collectives over one rank leave their buffers as they are; nothing touches MPI.
import Foundation

/// A communicator of exactly one rank (rank 0 of 1) that needs no MPI set-up.
public final class SingleProcessCommunicator: Communicator {
  /// A request that completed when it was created: a one-rank reduction has nothing to do.
  private final class DoneRequest: CommRequest {
    func test() throws -> Bool { true }
    func wait() throws {}
  }

  public init() {}

  public var rank: Int { 0 }
  public var size: Int { 1 }
  public var localRank: Int { 0 }
  public var localSize: Int { 1 }

  public func broadcast<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, root: Int) throws {
    try checkRoot(root, call: "broadcast")
  }

  public func broadcast(_ bytes: inout [UInt8], root: Int) throws {
    try checkRoot(root, call: "broadcast")
  }

  public func allReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws {}

  public func startAllReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws
    -> CommRequest
  {
    DoneRequest()
  }

  public func barrier() throws {}

  public func allGather(_ value: Double) throws -> [Double] { [value] }

  public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { [bytes] }

  /// Nothing to watch: one rank never waits for another.
  public func setCollectiveTimeout(_ seconds: Double) {}

  public func duplicate() throws -> Communicator { SingleProcessCommunicator() }

  public func abort(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("noiseda: \(message)\n".utf8))
    exit(code)
  }

  public func finalize() throws {}

  private func checkRoot(_ root: Int, call: String) throws {
    guard root == 0 else {
      throw CommError.invalidArgument(call: call, reason: "root \(root) is not a rank of a 1-rank run")
    }
  }
}
