// The caching allocator hands released buffers out again instead of allocating new ones.
import Kernels
import XCTest

final class BufferPoolTests: XCTestCase {
  func testReleasedBufferIsReusedWithoutFreshAllocation() {
    let pool = BufferPool()
    let (p, c) = pool.allocate(100_000)
    XCTAssertGreaterThanOrEqual(c, 100_000)
    XCTAssertEqual(Int(bitPattern: p) % 64, 0, "64-byte alignment")
    pool.release(p, capacity: c)
    let fresh = pool.freshAllocations
    // A slightly smaller request falls in the same size class and reuses the buffer.
    let (q, d) = pool.allocate(99_000)
    XCTAssertEqual(q, p)
    XCTAssertEqual(d, c)
    XCTAssertEqual(pool.freshAllocations, fresh)
    pool.release(q, capacity: d)
    pool.trim()
  }

  func testSizeClassWastesAtMostOneSixteenth() {
    let pool = BufferPool()
    for n in [1, 17, 4095, 4097, 65_537, 1_000_001, 37_748_736] {
      let (p, c) = pool.allocate(n)
      XCTAssertGreaterThanOrEqual(c, n)
      XCTAssertLessThanOrEqual(Double(c), Double(max(n, 16)) * (1 + 1.0 / 16) + 16)
      pool.release(p, capacity: c)
    }
    pool.trim()
  }

  func testThreadedSumMatchesDoubleReference() {
    let n = 3_000_017
    let x = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { x.deallocate() }
    var ref = 0.0
    for i in 0..<n {
      x[i] = Float((i * 7919) % 1000) * 0.001 + 0.1
      ref += Double(x[i])
    }
    XCTAssertEqual(simdSum(n, x), ref, accuracy: ref * 1e-6)
  }
}
