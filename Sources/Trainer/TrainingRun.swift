// TrainingRun: one training run on one rank, top to bottom: config → networks (rank 0's initial
// weights broadcast, checksums and configs compared) → loaders → the step loop (method losses,
// backward, bucketed gradient averaging, agreed skip of non-finite steps, Adam on every network,
// EMA on rank 0) → rank-0 logging, validation and checkpoints → the summary. Every decision that
// changes control flow (skip, stop on a signal, resume point) is taken from all-reduced or
// broadcast values, so all ranks run the same collectives in the same order.
import Comm
import Foundation
import Kernels
import Layers
import Methods
import Shards
import Tensors

/// Where a run starts.
public enum ResumeMode: Equatable, Sendable {
  /// From scratch (the run folder must not hold checkpoints).
  case none
  /// From the newest valid checkpoint in the run folder, if any (else from scratch).
  case auto
  /// From this checkpoint file.
  case path(String)
}

/// The outcome of `TrainingRun.run()`.
public struct RunSummary: Codable, Equatable, Sendable {
  public var folder: String
  public var firstStep: Int
  public var lastStep: Int
  public var skippedSteps: Int
  public var stoppedBySignal: Bool
  public var finalLoss: Double
  public var bestPSNR: Double?
  public var validation: ImageQuality?
}

/// A training run on this rank.
public final class TrainingRun {
  public let config: RunConfig
  public let folder: URL
  let comm: Communicator
  let networks: [TrainedNetwork]
  let restorer: RestorerUNet
  let method: TrainingMethod
  let data: TrainingData
  let reducer: GradientBucketReducer
  let readiness: GradientReadiness
  let validator: Validator?
  let metrics: MetricsLog?
  let catalog: CheckpointCatalog
  let log: (String) -> Void
  var rng: PhiloxRandom
  var step = 0
  var bestPSNR = -Double.infinity

  /// Sets up the run: networks, method, loaders, reducer; resumes per `resume`. Collective.
  public init(config initial: RunConfig, communicator: Communicator, resume: ResumeMode, log: @escaping (String) -> Void = { print($0) }) throws {
    comm = communicator
    self.log = log
    var config = initial
    if config.int("run.seed") < 0 {
      // Rank 0's draw, broadcast (integers below 2^53 are exact in a Double).
      var seed = Double(UInt64.random(in: 0..<(1 << 53)))
      try communicator.broadcast(&seed, count: 1, root: 0)
      try config.set("run.seed", to: String(UInt64(seed)), source: "random seed")
    }
    self.config = config
    if config.int("run.threads") > 0 { Threading.setCount(config.int("run.threads")) }
    (comm as? MPICommunicator)?.watchdog.timeout = config.double("dist.timeout")
    let seed = UInt64(config.int("run.seed"))
    folder = URL(fileURLWithPath: config.string("run.out_dir")).appendingPathComponent(config.string("run.name"))
    catalog = CheckpointCatalog(folder: folder)
    let isRoot = comm.rank == 0

    // Networks: identical initialisation everywhere, then rank 0's copy broadcast anyway.
    let methodName = config.string("method.name")
    var initRNG = RandomStreams(seed: seed).stream("init", shared: true)
    var optimization = MethodNetworks.Optimization()
    optimization.learningRate = Float(config.double("optim.lr"))
    optimization.eps = Float(config.double("optim.eps"))
    optimization.weightDecay = Float(config.double("optim.weight_decay"))
    optimization.emaDecay = Float(config.double("ema.decay"))
    optimization.keepsEMA = isRoot
    let built = try MethodNetworks(
      method: methodName, restorer: config.string("model.restorer"), diffusion: config.string("model.diffusion"),
      diffusionDropout: Float(config.double("model.diffusion_dropout")),
      adaptation: methodName == "vanilla" ? AdaptationOptions() : try TrainingRun.adaptationOptions(config),
      optimization: optimization, using: &initRNG)
    let networks = built.networks
    restorer = built.restorer
    method = built.method
    self.networks = networks
    try comm.broadcastFromRankZero(networks.map(\.parameters))
    networks.forEach { $0.ema?.shadow.copy(from: $0.store.values) }

    // Resume point, chosen by rank 0 and broadcast.
    var rankState: RankState?
    var resumeFrom = ""
    if isRoot {
      switch resume {
      case .none:
        if !catalog.steps().isEmpty {
          throw TrainerError("run folder \(folder.path) already holds checkpoints; pass --resume auto to continue it or change run.name")
        }
      case .auto:
        resumeFrom = catalog.newestValid(validate: { _ = try Checkpoint.readHeader($0.path, roles: networks.map(\.role)) }, warn: log)?.path ?? ""
      case .path(let p): resumeFrom = p
      }
    }
    var pathBytes = Array(resumeFrom.utf8)
    try comm.broadcast(&pathBytes, root: 0)
    resumeFrom = String(decoding: pathBytes, as: UTF8.self)
    if !resumeFrom.isEmpty {
      let header = try Checkpoint.readHeader(resumeFrom, roles: networks.map(\.role))
      guard header.ranks.count == comm.size else {
        throw TrainerError.checkpoint(path: resumeFrom, reason: "was written by \(header.ranks.count) ranks, this run has \(comm.size); resume with the same rank count")
      }
      try Checkpoint.load(resumeFrom, into: networks)
      rankState = header.ranks[comm.rank]
      step = header.step
      bestPSNR = header.bestPSNR
      if isRoot { log("resuming from \(resumeFrom) at step \(step)") }
    }
    rng = try rankState.map { try PhiloxRandom(state: $0.rng) } ?? RandomStreams(seed: seed, rank: comm.rank).stream("method")
    try comm.verifySameState(checksum: TrainingRun.checksum(of: networks), configText: config.yaml)

    data = try TrainingData(
      config: config, seed: seed, rank: comm.rank, worldSize: comm.size, needsReal: methodName != "vanilla",
      needsClean: methodName == "da-unpaired", cursors: rankState?.cursors ?? [:])
    // Backward finishes the diffusion net before the restorer: reduce in that order.
    let reduceOrder = Array(networks.reversed())
    reducer = try GradientBucketReducer(
      communicator: comm, buffers: reduceOrder.map(\.gradients), bucketBytes: Int(config.double("dist.bucket_mb") * 1_048_576))
    readiness = GradientReadiness(networks: reduceOrder)
    if isRoot {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try Data(config.yaml.utf8).write(to: folder.appendingPathComponent("config.yaml"), options: .atomic)
      metrics = try MetricsLog(
        path: folder.appendingPathComponent("metrics.jsonl").path, resumedAt: resumeFrom.isEmpty ? nil : step)
      let val = config.string("data.val")
      validator = val.isEmpty ? nil : try Validator(folder: val, range: config.pixelRange)
    } else {
      metrics = nil
      validator = nil
    }
  }

  /// One checksum over the parameters of every network (what `verifySameState` compares).
  static func checksum(of networks: [TrainedNetwork]) -> UInt64 {
    parameterChecksum(networks.map { (UnsafePointer($0.parameters.pointer), $0.parameters.count) })
  }

  /// The DA switches from the `da.*` keys.
  static func adaptationOptions(_ config: RunConfig) throws -> AdaptationOptions {
    var o = AdaptationOptions()
    o.channelShuffle = config.bool("da.channel_shuffle")
    o.residualSwap = config.bool("da.residual_swap")
    o.margin = Float(config.double("da.margin"))
    let t = config.ints("da.t_range")
    guard t.count == 2, t[0] <= t[1] else { throw ConfigError(description: "da.t_range = \(t) must be [lo, hi] with lo ≤ hi") }
    o.stepRange = t[0]...t[1]
    guard let slots = ConditionSlots(rawValue: config.string("da.conditions")) else {
      throw ConfigError(description: "da.conditions = '\(config.string("da.conditions"))' must be both, synthetic or real")
    }
    o.conditions = slots
    return o
  }

  /// λ_Dif for the coming step (eq. 5), from steps when `da.ramp_fraction` > 0, else from epochs.
  func lambda() -> Double {
    guard method.name != "vanilla" else { return 0 }
    let schedule = LambdaSchedule(maximum: config.double("da.lambda_max"), steepness: config.double("da.lambda_gamma"))
    let fraction = config.double("da.ramp_fraction")
    let p = fraction > 0
      ? LambdaSchedule.progress(step: step, totalSteps: config.int("train.steps"), fraction: fraction)
      : LambdaSchedule.progress(epoch: data.epoch, rampEpochs: config.int("da.ramp_epochs"))
    return schedule.lambda(progress: p)
  }

  /// Trains until `train.steps` (or an agreed stop), validating and checkpointing on cadence.
  public func run() throws -> RunSummary {
    let total = config.int("train.steps"), firstStep = step
    let logEvery = max(config.int("train.log_every"), 1), valEvery = config.int("train.val_every")
    let saveEvery = config.int("train.checkpoint_every"), maxBad = max(config.int("train.max_bad_steps"), 1)
    let clip = Float(config.double("optim.grad_clip"))
    let verifyEvery = config.int("train.verify_every")
    let nanSteps = comm.rank == config.int("debug.nan_rank") ? Set(config.ints("debug.nan_steps")) : []
    let progress = ProgressLine(totalSteps: total)
    let diagnosticsEvery = config.int("train.diagnostics_every")
    var skipped = 0, badInARow = 0, images = 0, stopped = false, lastLoss = Double.nan
    // Scalars summed (already averaged over ranks) since the last log line, with their counts.
    var window: [String: (sum: Double, count: Int)] = [:]
    StopSignals.install()
    while step < total && !stopped {
      let started = DispatchTime.now().uptimeNanoseconds
      let batch = try data.next()
      let lambda = lambda()
      var diagnostics: [String: Double] = [:]
      if diagnosticsEvery > 0 && (step + 1) % diagnosticsEvery == 0, let da = method as? DenoisingAsAdaptation {
        diagnostics = try da.diagnostics(for: batch, lambda: lambda, using: rng)  // a copy: training draws stay the same
      }
      networks.forEach { $0.store.zeroGrad() }
      let losses = try method.losses(for: batch, lambda: lambda, using: &rng)
      let scalars = losses.scalars.merging(diagnostics) { a, _ in a }
      // debug.nan_steps: this rank's loss (and so every gradient) becomes NaN at those steps.
      let loss = nanSteps.contains(step + 1) ? losses.total * Float.nan : losses.total
      let lossFinite = loss.item.isFinite
      let reduction = try readiness.backward(loss, reducer: reducer)
      // [any rank bad, any rank asked to stop, then the step's scalars summed over ranks].
      let keys = scalars.keys.sorted()
      var shared = [lossFinite && networks.allSatisfy { $0.gradientsAreFinite() } ? 0 : 1, StopSignals.isRequested ? 1 : 0]
        + keys.map { scalars[$0]! }
      try comm.allReduce(&shared, count: shared.count, op: .sum)
      step += 1
      stopped = shared[1] > 0
      if shared[0] > 0 {
        skipped += 1
        badInARow += 1
        metrics?.write(kind: "event", step: step, ["event": "skipped non-finite step", "ranks": .number(shared[0])])
        if comm.rank == 0 { log("step \(step): non-finite loss or gradient on \(Int(shared[0])) rank(s); step skipped") }
        if badInARow >= maxBad {
          throw TrainerError("\(badInARow) non-finite steps in a row (train.max_bad_steps); stopped at step \(step), the last good checkpoint in \(folder.path) is intact — lower optim.lr or set optim.grad_clip")
        }
        continue
      }
      badInARow = 0
      images += batch.size * comm.size
      for (k, key) in keys.enumerated() {
        let old = window[key] ?? (0, 0)
        window[key] = (old.sum + shared[2 + k] / Double(comm.size), old.count + 1)
      }
      for network in networks {
        if clip > 0 { network.store.clipGradientNorm(maxNorm: clip) }
        network.optimizer.step()
        network.ema?.update()
      }
      if verifyEvery > 0 && (step % verifyEvery == 0 || step == total) {
        let sum = TrainingRun.checksum(of: networks)
        try comm.verifySameState(checksum: sum, configText: config.yaml)
        metrics?.write(kind: "verify", step: step, ["checksum": .text(String(sum, radix: 16)), "ranks": .number(Double(comm.size))])
      }
      // This rank's timings (rank 0's are logged): step wall time up to here, and the wait for
      // gradient all-reduces after backward (the part not hidden behind it).
      for (key, value) in [("step_s", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9), ("comm_wait_s", reduction.finishWaitSeconds)] {
        let old = window[key] ?? (0, 0)
        window[key] = (old.sum + value, old.count + 1)
      }
      if step % logEvery == 0 || step == total {
        let latest = window.mapValues { $0.sum / Double($0.count) }
        window = [:]
        lastLoss = latest["loss"] ?? latest["loss_res"] ?? .nan
        if comm.rank == 0 {
          let shown = ["loss", "loss_res", "loss_dif", "lambda"].compactMap { k in latest[k].map { (k == "lambda" ? "λ" : k, $0) } }
          progress.show(step: step, firstStep: firstStep, images: images, values: shown)
          metrics?.write(kind: "train", step: step, latest.mapValues { .number($0) }.merging(["skipped": .number(Double(skipped))]) { a, _ in a })
        }
      }
      let validate = validator != nil && (step == total || valEvery > 0 && step % valEvery == 0)
      if validate || stopped || step == total || saveEvery > 0 && step % saveEvery == 0 {
        try saveCheckpoint(validate: validate)
      }
    }
    progress.finish()
    let summary = RunSummary(
      folder: folder.path, firstStep: firstStep, lastStep: step, skippedSteps: skipped, stoppedBySignal: stopped,
      finalLoss: lastLoss, bestPSNR: bestPSNR.isFinite ? bestPSNR : nil, validation: lastValidation)
    metrics?.write(kind: "summary", step: step, ["skipped": .number(Double(skipped)), "stopped_by_signal": .text(String(stopped))])
    return summary
  }

  var lastValidation: ImageQuality?

  /// Collective: gathers every rank's RNG and loader positions; rank 0 validates (when asked),
  /// writes `step-N.h5` (and `best.h5` on a new best PSNR) and prunes old checkpoints.
  func saveCheckpoint(validate: Bool) throws {
    let mine = try JSONEncoder().encode(RankState(rng: rng.state, cursors: data.cursors))
    let all = try comm.allGather(Array(mine)).map { try JSONDecoder().decode(RankState.self, from: Data($0)) }
    guard comm.rank == 0 else { return }
    var isBest = false
    if validate, let validator {
      let grids = folder.appendingPathComponent("val")
      try FileManager.default.createDirectory(at: grids, withIntermediateDirectories: true)
      networks[0].ema?.swapWithModel()
      defer { networks[0].ema?.swapWithModel() }
      let result = try validator.run(restorer, gridFolder: grids)
      let m = result.mean
      lastValidation = m
      isBest = m.psnrRGB > bestPSNR
      if isBest { bestPSNR = m.psnrRGB }
      metrics?.write(kind: "val", step: step, ["psnr_rgb": .number(m.psnrRGB), "ssim_rgb": .number(m.ssimRGB),
                                              "psnr_y": .number(m.psnrY), "ssim_y": .number(m.ssimY)])
      log(String(format: "\nstep %d: validation (EMA) PSNR %.2f dB, SSIM %.4f (RGB); PSNR %.2f dB, SSIM %.4f (Y)%@",
                 step, m.psnrRGB, m.ssimRGB, m.psnrY, m.ssimY, isBest ? " — best so far" : ""))
    }
    let header = Checkpoint.Header(step: step, bestPSNR: bestPSNR, config: config.yaml, ranks: all)
    try Checkpoint.write(catalog.url(step: step).path, networks: networks, header: header)
    if isBest { try Checkpoint.write(catalog.best.path, networks: networks, header: header) }
    catalog.prune(keep: config.int("train.keep_last"))
  }
}
