// ReducerOrderTests: the bucket reducer's scheduling against a recording two-rank communicator
// (no MPI): buckets start strictly in layout order whatever order they are marked in, and each
// finished bucket is divided by the world size.
import XCTest

@testable import Comm

/// A pretend rank 0 of 2 whose partner holds the same values: a sum doubles the buffer. It
/// records every started reduction as (buffer address, count).
private final class RecordingCommunicator: Communicator {
  private final class DoublingRequest: CommRequest {
    let run: () -> Void
    var done = false
    init(_ run: @escaping () -> Void) { self.run = run }
    func test() throws -> Bool {
      if !done { run(); done = true }
      return true
    }
    func wait() throws { _ = try test() }
  }

  private let lock = NSLock()
  private var recorded: [(UnsafeMutableRawPointer, Int)] = []
  var started: [(UnsafeMutableRawPointer, Int)] { lock.withLock { recorded } }

  var rank: Int { 0 }
  var size: Int { 2 }
  var localRank: Int { 0 }
  var localSize: Int { 2 }
  func broadcast<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, root: Int) throws {}
  func broadcast(_ bytes: inout [UInt8], root: Int) throws {}
  func allReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws {
    try startAllReduce(buffer, count: count, op: op).wait()
  }
  func startAllReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws -> CommRequest {
    lock.withLock { recorded.append((UnsafeMutableRawPointer(buffer), count)) }
    return DoublingRequest { for i in 0..<count { buffer[i] = op == .sum ? buffer[i] * 2 : buffer[i] } }
  }
  func barrier() throws {}
  func allGather(_ value: Double) throws -> [Double] { [value, value] }
  func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { [bytes, bytes] }
  func setCollectiveTimeout(_ seconds: Double) {}
  func duplicate() throws -> Communicator { self }
  func abort(_ message: String, code: Int32) -> Never { fatalError(message) }
  func finalize() throws {}
}

final class ReducerOrderTests: XCTestCase {
  func testBucketsStartInLayoutOrderAndEndAsTheMean() throws {
    for progress in [ReductionProgress.callerPolls, .default] {
      let comm = RecordingCommunicator()
      var a: [Float] = (0..<100).map { Float($0) - 40.5 }
      var b: [Float] = (0..<50).map { Float($0) * 0.25 }
      let (savedA, savedB) = (a, b)
      try a.withUnsafeMutableBufferPointer { pa in
        try b.withUnsafeMutableBufferPointer { pb in
          let reducer = try GradientBucketReducer(
            communicator: comm, buffers: [(pa.baseAddress!, 100), (pb.baseAddress!, 50)], bucketBytes: 64,
            progress: progress)
          // Network 1 is final first, but network 0's buckets come first in the layout.
          try reducer.markReady(network: 1, from: 0)
          try reducer.markReady(network: 0, from: 50)
          if progress == .callerPolls {
            let expected = reducer.layout.buckets.prefix { $0.network == 0 && $0.range.lowerBound >= 50 }
            XCTAssertEqual(comm.started.map(\.1), expected.map(\.range.count))
          }
          let stats = try reducer.finish()
          XCTAssertEqual(stats.buckets, reducer.layout.buckets.count)
          let bases = [UnsafeMutableRawPointer(pa.baseAddress!), UnsafeMutableRawPointer(pb.baseAddress!)]
          let order = reducer.layout.buckets.map { (bases[$0.network] + 4 * $0.range.lowerBound, $0.range.count) }
          XCTAssertEqual(comm.started.map(\.0), order.map(\.0), "\(progress)")
          XCTAssertEqual(comm.started.map(\.1), order.map(\.1), "\(progress)")
        }
      }
      XCTAssertEqual(a, savedA, "\(progress)")
      XCTAssertEqual(b, savedB, "\(progress)")
    }
  }
}
