// RandomTests: Philox against the Random123 known-answer vector, stream independence,
// save/restore of the state, and the distributions' first moments.
@testable import Tensors
import XCTest

final class RandomTests: XCTestCase {
  func testPhiloxKnownAnswer() {
    // Random123 kat_vectors: philox4x32 10, counter 0, key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
    XCTAssertEqual(PhiloxRandom.philox(counter: 0, key: 0), SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
  }

  func testStreamsAreReproducibleAndDistinct() {
    let a = RandomStreams(seed: 7, rank: 0), b = RandomStreams(seed: 7, rank: 1)
    var x = a.stream("crop"), y = a.stream("crop"), z = b.stream("crop"), s = b.stream("crop", shared: true)
    var t = a.stream("crop", shared: true), n = a.stream("noise")
    let xs = (0..<8).map { _ in x.nextUInt32() }
    XCTAssertEqual(xs, (0..<8).map { _ in y.nextUInt32() })
    XCTAssertNotEqual(xs, (0..<8).map { _ in z.nextUInt32() })
    XCTAssertNotEqual(xs, (0..<8).map { _ in n.nextUInt32() })
    XCTAssertEqual((0..<8).map { _ in s.nextUInt32() }, (0..<8).map { _ in t.nextUInt32() })
  }

  func testStateRoundTripContinuesTheSequence() throws {
    var r = PhiloxRandom(seed: 3, stream: 1)
    for draws in [0, 1, 4, 6] {
      for _ in 0..<draws { _ = r.nextUInt32() }
      var copy = try PhiloxRandom(state: r.state)
      var original = r
      XCTAssertEqual((0..<9).map { _ in copy.nextUInt32() }, (0..<9).map { _ in original.nextUInt32() })
    }
    XCTAssertThrowsError(try PhiloxRandom(state: [1, 2]))
  }

  func testMomentsAndPermutation() {
    var r = PhiloxRandom(seed: 11)
    let n = 200_000
    var su = 0.0, sn = 0.0, sn2 = 0.0
    for _ in 0..<n {
      let u = Double(r.uniform())
      XCTAssert(u >= 0 && u < 1)
      su += u
      let g = Double(r.normal())
      sn += g
      sn2 += g * g
    }
    // Standard errors: uniform mean 0.29/√n ≈ 6.5e-4, normal mean 1/√n ≈ 2.2e-3, variance ≈ 3.2e-3.
    XCTAssertEqual(su / Double(n), 0.5, accuracy: 4e-3)
    XCTAssertEqual(sn / Double(n), 0, accuracy: 1.2e-2)
    XCTAssertEqual(sn2 / Double(n), 1, accuracy: 1.6e-2)
    let p = r.permutation(1000)
    XCTAssertEqual(p.sorted(), Array(0..<1000))
    XCTAssertNotEqual(p, Array(0..<1000))
    var counts = [Int](repeating: 0, count: 5)
    for _ in 0..<50_000 { counts[r.int(below: 5)] += 1 }
    XCTAssert(counts.allSatisfy { abs($0 - 10_000) < 500 }, "int(below:) counts \(counts)")
  }
}
