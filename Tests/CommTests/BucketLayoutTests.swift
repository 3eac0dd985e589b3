// BucketLayoutTests: the cut of flat gradient buffers into buckets and which buckets a
// markReady call releases; the reducer on one rank.
import XCTest

@testable import Comm

final class BucketLayoutTests: XCTestCase {
  func testBucketsRunFromTheEndOfEachNetworkAndCoverItOnce() throws {
    let layout = try BucketLayout(counts: [100, 0, 33], bucketElements: 30)
    XCTAssertEqual(
      layout.buckets,
      [
        GradientBucket(network: 0, range: 90..<100), GradientBucket(network: 0, range: 60..<90),
        GradientBucket(network: 0, range: 30..<60), GradientBucket(network: 0, range: 0..<30),
        GradientBucket(network: 2, range: 30..<33), GradientBucket(network: 2, range: 0..<30),
      ])
    XCTAssertEqual(layout.networkStarts, [0, 4, 4, 6])
    for (network, count) in [100, 0, 33].enumerated() {
      let covered = layout.buckets.filter { $0.network == network }.flatMap { Array($0.range) }.sorted()
      XCTAssertEqual(covered, Array(0..<count))
    }
  }

  func testReadyBucketsAreThoseWhollyInsideTheFinalRange() throws {
    let layout = try BucketLayout(counts: [100, 33], bucketElements: 30)
    XCTAssertEqual(layout.buckets(finalFrom: 100, network: 0), 0..<0)
    XCTAssertEqual(layout.buckets(finalFrom: 91, network: 0), 0..<0)
    XCTAssertEqual(layout.buckets(finalFrom: 90, network: 0), 0..<1)
    XCTAssertEqual(layout.buckets(finalFrom: 61, network: 0), 0..<1)
    XCTAssertEqual(layout.buckets(finalFrom: 0, network: 0), 0..<4)
    XCTAssertEqual(layout.buckets(finalFrom: 30, network: 1), 4..<5)
    XCTAssertEqual(layout.buckets(finalFrom: 0, network: 1), 4..<6)
  }

  func testBucketBytesBecomeWholeVectorsOfFloats() throws {
    XCTAssertEqual(BucketLayout.elements(forBytes: BucketLayout.defaultBucketBytes), 25 * 1024 * 1024 / 4)
    XCTAssertEqual(BucketLayout.elements(forBytes: 1000), 240)
    XCTAssertEqual(BucketLayout.elements(forBytes: 1), 16)
    XCTAssertThrowsError(try BucketLayout(counts: [10], bucketElements: 0))
    XCTAssertThrowsError(try BucketLayout(counts: [-1], bucketElements: 16))
  }

  func testReducerOnOneRankKeepsGradientsAndChecksArguments() throws {
    var a: [Float] = (0..<1001).map { Float($0) / 3 }
    var b: [Float] = (0..<77).map { -Float($0) }
    let (savedA, savedB) = (a, b)
    try a.withUnsafeMutableBufferPointer { pa in
      try b.withUnsafeMutableBufferPointer { pb in
        let reducer = try GradientBucketReducer(
          communicator: SingleProcessCommunicator(), buffers: [(pa.baseAddress!, pa.count), (pb.baseAddress!, pb.count)],
          bucketBytes: 256)
        XCTAssertEqual(reducer.layout.buckets.count, 16 + 2)
        try reducer.markReady(network: 0, from: 500)
        XCTAssertThrowsError(try reducer.markReady(network: 2, from: 0))
        XCTAssertThrowsError(try reducer.markReady(network: 1, from: 78))
        let stats = try reducer.finish()
        XCTAssertEqual(stats.buckets, 18)
      }
    }
    XCTAssertEqual(a, savedA)
    XCTAssertEqual(b, savedB)
  }
}
