// SamplerTests: DistributedSampler gives ranks disjoint slices whose union is the epoch, pads and
// drops like PyTorch, reshuffles per epoch, and reproduces from the seed.
import Shards
import XCTest

final class SamplerTests: XCTestCase {
  func testTwoRanksReadDisjointSlicesWhoseUnionIsTheEpoch() throws {
    for epoch in 0..<3 {
      let slices = try (0..<2).map { try DistributedSampler(count: 50, rank: $0, worldSize: 2, seed: 9, name: "pairs").indices(epoch: epoch) }
      XCTAssertEqual(slices[0].count, 25)
      XCTAssertEqual(slices[1].count, 25)
      XCTAssertTrue(Set(slices[0]).isDisjoint(with: slices[1]))
      XCTAssertEqual(Set(slices[0] + slices[1]), Set(0..<50))
    }
  }

  func testRanksInterleaveOneSharedPermutationLikePyTorch() throws {
    // PyTorch: indices[rank : total : world_size] of one permutation all ranks agree on.
    let samplers = try (0..<3).map { try DistributedSampler(count: 12, rank: $0, worldSize: 3, seed: 4, name: "x") }
    let slices = samplers.map { $0.indices(epoch: 2) }
    let whole = try DistributedSampler(count: 12, rank: 0, worldSize: 1, seed: 4, name: "x").indices(epoch: 2)
    for r in 0..<3 { XCTAssertEqual(slices[r], stride(from: r, to: 12, by: 3).map { whole[$0] }) }
  }

  func testUnevenCountIsPaddedByWrappingAround() throws {
    let slices = try (0..<3).map { try DistributedSampler(count: 10, rank: $0, worldSize: 3, seed: 1, name: "p").indices(epoch: 0) }
    XCTAssertEqual(slices.map(\.count), [4, 4, 4])
    let all = slices[0] + slices[1] + slices[2]
    XCTAssertEqual(Set(all), Set(0..<10))
    // The two padded places repeat the first two of the permutation (PyTorch's wrap-around).
    let whole = try DistributedSampler(count: 10, rank: 0, worldSize: 1, seed: 1, name: "p").indices(epoch: 0)
    XCTAssertEqual(slices[1][3], whole[0])
    XCTAssertEqual(slices[2][3], whole[1])
    // More ranks than samples: wrap more than once.
    let tiny = try (0..<5).map { try DistributedSampler(count: 2, rank: $0, worldSize: 5, seed: 1, name: "t").indices(epoch: 0) }
    XCTAssertEqual(Set(tiny.flatMap { $0 }), Set(0..<2))
    XCTAssertEqual(tiny.map(\.count), [1, 1, 1, 1, 1])
  }

  func testDropLastDropsTheTail() throws {
    let slices = try (0..<3).map { try DistributedSampler(count: 10, rank: $0, worldSize: 3, seed: 1, name: "p", dropLast: true).indices(epoch: 0) }
    XCTAssertEqual(slices.map(\.count), [3, 3, 3])
    XCTAssertEqual(Set(slices.flatMap { $0 }).count, 9)
  }

  func testEpochsReshuffleAndTheSeedReproduces() throws {
    let s = try DistributedSampler(count: 100, rank: 1, worldSize: 2, seed: 5, name: "real")
    XCTAssertNotEqual(s.indices(epoch: 0), s.indices(epoch: 1))
    XCTAssertEqual(Set(s.indices(epoch: 0) + s.indices(epoch: 1)).count > 50, true)
    XCTAssertEqual(s.indices(epoch: 3), try DistributedSampler(count: 100, rank: 1, worldSize: 2, seed: 5, name: "real").indices(epoch: 3))
    XCTAssertNotEqual(s.indices(epoch: 0), try DistributedSampler(count: 100, rank: 1, worldSize: 2, seed: 6, name: "real").indices(epoch: 0))
    XCTAssertNotEqual(s.indices(epoch: 0), try DistributedSampler(count: 100, rank: 1, worldSize: 2, seed: 5, name: "clean").indices(epoch: 0))
    let ordered = try DistributedSampler(count: 7, rank: 0, worldSize: 1, seed: 5, name: "v", shuffle: false)
    XCTAssertEqual(ordered.indices(epoch: 4), Array(0..<7))
  }

  func testBadRankOrTooFewSamplesAreErrors() {
    XCTAssertThrowsError(try DistributedSampler(count: 10, rank: 2, worldSize: 2, seed: 0, name: "p"))
    XCTAssertThrowsError(try DistributedSampler(count: 0, rank: 0, worldSize: 1, seed: 0, name: "p"))
    XCTAssertThrowsError(try DistributedSampler(count: 2, rank: 0, worldSize: 3, seed: 0, name: "p", dropLast: true)) { error in
      XCTAssertTrue(String(describing: error).contains("2 samples cannot feed 3 ranks"))
    }
  }
}
