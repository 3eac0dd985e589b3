// Checks: how CommCheck scenarios assert and report. A failed check ends the rank with exit
// status 1, which makes mpirun end the whole job non-zero.
import Comm
import Foundation

/// A scenario's failed expectation.
struct CheckFailure: Error, CustomStringConvertible {
  let description: String
}

/// Throws `CheckFailure(message)` unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
  if !condition { throw CheckFailure(description: message()) }
}

/// The value rank `rank` contributes at element `i`: small multiples of 1/8, so sums over a
/// few ranks are exact in float32 and results can be compared bit for bit.
func contribution(rank: Int, index i: Int, salt: Int = 0) -> Float {
  Float((i &* 7 &+ rank &* 13 &+ salt &* 31) % 101 - 50) / 8
}

/// Fills `buffer` with this rank's contributions.
func fill(_ buffer: UnsafeMutablePointer<Float>, count: Int, rank: Int, salt: Int = 0) {
  for i in 0..<count { buffer[i] = contribution(rank: rank, index: i, salt: salt) }
}

/// Seconds since an arbitrary start, monotonic.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Prints one line prefixed by the rank, flushed at once (mpirun interleaves ranks' output).
func say(_ comm: Communicator, _ text: String) {
  print("rank \(comm.rank)/\(comm.size): \(text)")
  fflush(stdout)
}
