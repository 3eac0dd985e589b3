// RankAgreement: what every rank learns from the others after a phase's backward, in one small
// all-reduce — how many ranks saw a non-finite loss or gradient, how many were asked to stop
// (SIGTERM/SIGINT), and the phase's scalars summed over ranks — so every rank skips, stops and
// logs alike. The wire format is one Double vector: [non-finite, stop, scalars by sorted name].
import Comm

/// One phase's agreed values.
struct RankAgreement {
  /// Ranks whose loss or gradients were not finite.
  var nonFiniteRanks: Double
  /// Ranks that received a stop signal.
  var stopRequests: Double
  /// The scalars, summed over ranks.
  var scalarSums: [String: Double]

  /// Sums this rank's contribution over every rank of `comm` (collective: same scalar names on
  /// every rank, as every rank runs the same method).
  static func reduce(nonFinite: Bool, stopRequested: Bool, scalars: [String: Double], over comm: Communicator) throws -> RankAgreement {
    let keys = scalars.keys.sorted()
    var shared = [nonFinite ? 1 : 0, stopRequested ? 1 : 0] + keys.map { scalars[$0]! }
    try comm.allReduce(&shared, count: shared.count, op: .sum)
    return RankAgreement(
      nonFiniteRanks: shared[0], stopRequests: shared[1],
      scalarSums: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, shared[2 + $0.offset]) }))
  }
}
