// TrainingStep: one optimiser step of any method, phase by phase. For each phase: every role
// outside it is frozen; the phase's gradients are zeroed, its loss built, and backward runs with
// the phase's gradient buckets all-reduced as they become final (GradientReadiness); one small
// all-reduce then agrees on non-finite values, stop requests and the phase's scalars
// (RankAgreement), so every rank skips, stops or logs alike; unless skipped, the phase's roles
// are clipped, stepped and handed to the method's post-step hook. After the last phase, rank 0's
// EMA copies follow.
// TrainingRun and StepBenchmark both run this, so a benchmark times exactly the trainer's step.
import Comm
import Methods
import Tensors

/// What one step did, as every rank agreed.
struct StepOutcome {
  /// A phase had a non-finite loss or gradient on some rank: its update (and the later phases)
  /// did not happen.
  var skipped = false
  /// Ranks that reported a non-finite value in the phase that was skipped.
  var badRanks = 0.0
  /// Some rank received SIGTERM/SIGINT.
  var stopRequested = false
  /// Every phase's scalars (and the diagnostics), averaged over ranks.
  var scalars: [String: Double] = [:]
  /// Seconds waited for gradient all-reduces after backward, summed over phases.
  var commWaitSeconds = 0.0
}

/// The networks, method and gradient reducers of a run's step.
final class TrainingStep {
  let method: TrainingMethod
  /// Every role's network, in the method's role order.
  let networks: [TrainedNetwork]
  let comm: Communicator
  let gradientClip: Float
  private let plans: [Plan]

  /// One phase: its networks, and the reducer over their gradients.
  private struct Plan {
    let networks: [TrainedNetwork]
    let reducer: GradientBucketReducer
    let readiness: GradientReadiness
  }

  /// Collective (every rank builds the same reducers). Throws when a phase names a role the
  /// method does not declare.
  init(method: TrainingMethod, networks: [TrainedNetwork], communicator: Communicator, bucketBytes: Int, gradientClip: Float) throws {
    self.method = method
    self.networks = networks
    comm = communicator
    self.gradientClip = gradientClip
    plans = try method.phases.map { phase in
      let members = try phase.roles.map { role in
        guard let network = networks.first(where: { $0.role == role }) else {
          throw TrainerError("method \(method.name): phase '\(phase.name)' updates role '\(role)', which the method does not declare")
        }
        return network
      }
      // Backward finishes the later roles' gradients first: reduce in that order.
      let order = Array(members.reversed())
      return Plan(
        networks: members,
        reducer: try GradientBucketReducer(communicator: communicator, buffers: order.map(\.gradients), bucketBytes: bucketBytes),
        readiness: GradientReadiness(networks: order))
    }
  }

  /// Runs every phase on `batch`. `poisoned` multiplies each phase's loss by NaN (fault
  /// injection); `diagnostics` join the first phase's scalars; `afterPhase` runs (collectively)
  /// after each phase's updates, e.g. the cross-rank check of `train.verify_every`.
  func run(batch: TrainingBatch, context: StepContext, using rng: inout PhiloxRandom, stopRequested: Bool = false,
           poisoned: Bool = false, diagnostics: [String: Double] = [:], afterPhase: (() throws -> Void)? = nil) throws -> StepOutcome {
    var outcome = StepOutcome()
    networks.forEach { $0.scheduleLearningRate(step: context.step) }
    defer { networks.forEach { $0.setFrozen(false) } }
    for (index, plan) in plans.enumerated() {
      let members = Set(plan.networks.map { ObjectIdentifier($0) })
      networks.forEach { $0.setFrozen(!members.contains(ObjectIdentifier($0))) }
      plan.networks.forEach { $0.store.zeroGrad() }
      let losses = try method.loss(phase: index, batch: batch, context: context, using: &rng)
      let scalars = index == 0 ? losses.scalars.merging(diagnostics) { a, _ in a } : losses.scalars
      let loss = poisoned ? losses.total * Float.nan : losses.total
      let lossFinite = loss.item.isFinite
      let reduction = try plan.readiness.backward(loss, reducer: plan.reducer)
      outcome.commWaitSeconds += reduction.finishWaitSeconds
      let agreed = try RankAgreement.reduce(
        nonFinite: !(lossFinite && plan.networks.allSatisfy { $0.gradientsAreFinite() }), stopRequested: stopRequested,
        scalars: scalars, over: comm)
      outcome.stopRequested = outcome.stopRequested || agreed.stopRequests > 0
      if agreed.nonFiniteRanks > 0 {
        outcome.skipped = true
        outcome.badRanks = agreed.nonFiniteRanks
        return outcome
      }
      for (key, sum) in agreed.scalarSums { outcome.scalars[key] = sum / Double(comm.size) }
      for network in plan.networks {
        if gradientClip > 0 { network.store.clipGradientNorm(maxNorm: gradientClip) }
        if network.settings.kind != .methodUpdate { network.optimizer.step() }
        try method.afterOptimizerStep(role: network.role, learningRate: Double(network.optimizer.learningRate))
      }
      try afterPhase?()
    }
    networks.forEach { $0.ema?.update() }
    return outcome
  }
}
