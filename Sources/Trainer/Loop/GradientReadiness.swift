// GradientReadiness: turns backward's "this parameter's gradient is final" events into the
// reducer's "network k is final from offset X to its end" calls, so buckets start all-reducing
// while backward still runs through earlier layers (DDP's reducer hooks).
import Comm
import Tensors

/// Per-step tracker of which parameters of each network have final gradients.
final class GradientReadiness {
  private let owner: [ObjectIdentifier: (network: Int, entry: Int)]
  private let offsets: [[Int]]
  private var done: [[Bool]]
  /// Per network: every entry at or after this index is final.
  private var frontier: [Int]
  private var failure: Error?

  /// `networks` in the reducer's buffer order (network k here is the reducer's buffer k).
  init(networks: [TrainedNetwork]) {
    var owner: [ObjectIdentifier: (Int, Int)] = [:]
    for (k, network) in networks.enumerated() {
      for (i, p) in network.store.parameters.enumerated() { owner[ObjectIdentifier(p.value)] = (k, i) }
    }
    self.owner = owner
    offsets = networks.map { $0.store.entries.map(\.offset) }
    done = offsets.map { [Bool](repeating: false, count: $0.count) }
    frontier = offsets.map(\.count)
  }

  /// Runs `loss`'s backward with each network's gradient buckets all-reduced by `reducer` as
  /// soon as they are final, and returns when every bucket is reduced.
  func backward(_ loss: Tensor, reducer: GradientBucketReducer) throws -> ReductionStatistics {
    reset()
    try loss.backward { [self] leaf in leafDone(leaf, reducer: reducer) }
    try check()
    return try reducer.finish()
  }

  /// Call before each backward.
  private func reset() {
    for k in done.indices {
      for i in done[k].indices { done[k][i] = false }
    }
    frontier = offsets.map(\.count)
    failure = nil
  }

  /// Records that `leaf`'s gradient is final and starts every bucket that became complete.
  private func leafDone(_ leaf: Tensor, reducer: GradientBucketReducer) {
    guard failure == nil, let (k, i) = owner[ObjectIdentifier(leaf)] else { return }
    done[k][i] = true
    let before = frontier[k]
    while frontier[k] > 0 && done[k][frontier[k] - 1] { frontier[k] -= 1 }
    guard frontier[k] < before else { return }
    do {
      try reducer.markReady(network: k, from: offsets[k][frontier[k]])
    } catch {
      failure = error
    }
  }

  /// Rethrows a reducer error raised inside backward.
  private func check() throws {
    if let failure { throw failure }
  }
}
