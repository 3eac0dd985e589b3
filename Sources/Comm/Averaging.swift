// Averaging: the plain gradient average (one blocking all-reduce of a whole flat buffer), for
// callers that do not overlap communication with backward.
import Kernels

extension Communicator {
  /// Replaces `buffer[0..<count]` on every rank by its mean over all ranks (one blocking
  /// all-reduce, then a division by `size`).
  public func allReduceAverage(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
    guard size > 1 else { return }
    try allReduce(buffer, count: count, op: .sum)
    scale(buffer, count, by: 1 / Float(size))
  }
}
