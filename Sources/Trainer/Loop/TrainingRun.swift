// TrainingRun: one training run on one rank, top to bottom: config → rank 0's lock on the run
// folder (RunFolderLock, held for the run's life) → the method from the registry
// and its networks by role (rank 0's initial weights broadcast, checksums and configs compared) →
// loaders for the method's data kinds → the step loop (TrainingStep: the method's phases, each
// with backward, bucketed gradient averaging, an agreed skip of non-finite steps and its roles'
// optimiser steps; EMA on rank 0) → rank-0 logging, validation through the method's restoration
// and checkpoints → the summary. Every decision that changes control flow (skip, stop on a
// signal, resume point) is taken from all-reduced or broadcast values, so all ranks run the same
// collectives in the same order. The resume point is a checkpoint rank 0 verified whole first.
import Comm
import Foundation
import Kernels
import Methods
import Shards
import Tensors

/// Where a run starts.
public enum ResumeMode: Equatable, Sendable {
  /// From scratch (the run folder must not hold checkpoints).
  case none
  /// From the newest valid checkpoint in the run folder; from scratch when it holds none, an
  /// error when it holds only damaged ones.
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
  public let method: TrainingMethod
  let comm: Communicator
  let networks: [TrainedNetwork]
  let loop: LoopSettings
  let seed: UInt64
  let data: TrainingData
  let trainingStep: TrainingStep
  let validator: Validator?
  let metrics: MetricsLog?
  let catalog: CheckpointCatalog
  /// Rank 0's hold on the run folder (nil on other ranks).
  let folderLock: RunFolderLock?
  let log: (String) -> Void
  var rng: PhiloxRandom
  var step = 0
  var bestPSNR = -Double.infinity
  var lastValidation: ImageQuality?

  /// Sets up the run: method, networks, loaders, reducers; resumes per `resume`. Collective.
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
    let settings = SettingsUse(config)
    if settings.int("run.threads") > 0 { Threading.setCount(settings.int("run.threads")) }
    (comm as? MPICommunicator)?.watchdog.timeout = settings.double("dist.timeout")
    seed = UInt64(settings.int("run.seed"))
    loop = LoopSettings(settings, rank: comm.rank)
    folder = URL(fileURLWithPath: settings.string("run.out_dir")).appendingPathComponent(settings.string("run.name"))
    catalog = CheckpointCatalog(folder: folder)
    let isRoot = comm.rank == 0
    folderLock = isRoot ? try RunFolderLock(folder: folder, warn: log) : nil

    // The method and its networks: identical initialisation everywhere, then rank 0's copy broadcast anyway.
    method = try MethodRegistry.entry(named: settings.string("method.name")).make(settings)
    var initRNG = RandomStreams(seed: seed).stream("init", shared: true)
    let networks = try TrainingRun.networks(of: method, keepsEMA: isRoot, using: &initRNG)
    self.networks = networks
    try comm.broadcastFromRankZero(networks.map(\.parameters))
    networks.forEach { $0.ema?.shadow.copy(from: $0.store.values) }

    // Resume point, chosen by rank 0 from checkpoints it verified whole, and broadcast.
    var rankState: RankState?
    var resumeFrom = ""
    if isRoot {
      let usable = { (path: String) throws in
        if let warning = try Checkpoint.verify(path) { log(warning) }
        _ = try Checkpoint.readHeader(path, roles: networks.map(\.role))
      }
      switch resume {
      case .none:
        if !catalog.steps().isEmpty {
          throw TrainerError("run folder \(folder.path) already holds checkpoints; pass --resume auto to continue it or change run.name")
        }
      case .auto:
        resumeFrom = try catalog.newestValid(validate: { try usable($0.path) }, warn: log)?.path ?? ""
      case .path(let p):
        try usable(p)
        resumeFrom = p
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
      kinds: method.dataKinds, settings: settings, seed: seed, rank: comm.rank, worldSize: comm.size, cursors: rankState?.cursors ?? [:])
    trainingStep = try TrainingStep(
      method: method, networks: networks, communicator: comm, bucketBytes: loop.bucketBytes, gradientClip: loop.gradientClip)
    let range = settings.pixelRange
    try settings.checkEverySetKeyIsRead(method: method.name)
    if isRoot {
      try Data(config.yaml.utf8).write(to: folder.appendingPathComponent("config.yaml"), options: .atomic)
      metrics = try MetricsLog(
        path: folder.appendingPathComponent("metrics.jsonl").path, resumedAt: resumeFrom.isEmpty ? nil : step)
      validator = loop.validationFolder.isEmpty ? nil : try Validator(folder: loop.validationFolder, range: range)
    } else {
      metrics = nil
      validator = nil
    }
  }

  /// The method's networks by role, initialised from `rng` in role order.
  static func networks(of method: TrainingMethod, keepsEMA: Bool, using rng: inout PhiloxRandom) throws -> [TrainedNetwork] {
    var seen = Set<String>()
    return try method.roles.map { role in
      guard seen.insert(role.name).inserted else { throw TrainerError("method \(method.name) declares role '\(role.name)' twice") }
      let network = TrainedNetwork(role, keepsEMA: keepsEMA, using: &rng)
      try method.afterInitialization(role: role.name)
      return network
    }
  }

  /// One checksum over the parameters of every network (what `verifySameState` compares).
  static func checksum(of networks: [TrainedNetwork]) -> UInt64 {
    parameterChecksum(networks.map { (UnsafePointer($0.parameters.pointer), $0.parameters.count) })
  }

  /// Trains until `train.steps` (or an agreed stop), validating and checkpointing on cadence.
  public func run() throws -> RunSummary {
    let total = loop.totalSteps, firstStep = step
    let progress = ProgressLine(totalSteps: total)
    var skipped = 0, badInARow = 0, images = 0, stopped = false, lastLoss = Double.nan
    // Scalars summed (already averaged over ranks) since the last log line, with their counts.
    var window: [String: (sum: Double, count: Int)] = [:]
    StopSignals.install()
    while step < total && !stopped {
      let started = DispatchTime.now().uptimeNanoseconds
      let batch = try data.next()
      let context = StepContext(step: step, totalSteps: total, epoch: data.epoch)
      var diagnostics: [String: Double] = [:]
      if loop.diagnosticsEvery > 0 && (step + 1) % loop.diagnosticsEvery == 0 {
        diagnostics = try method.diagnostics(batch: batch, context: context, using: rng)  // a copy: training draws stay the same
      }
      // train.verify_every: every rank's parameters are compared after each phase of the step.
      let verifies = loop.verifyEvery > 0 && ((step + 1) % loop.verifyEvery == 0 || step + 1 == total)
      let verify = { [self] in try comm.verifySameState(checksum: TrainingRun.checksum(of: networks), configText: config.yaml) }
      // debug.nan_steps: this rank's losses (and so every gradient) become NaN at those steps.
      let outcome = try trainingStep.run(
        batch: batch, context: context, using: &rng, stopRequested: StopSignals.isRequested,
        poisoned: loop.poisonedSteps.contains(step + 1), diagnostics: diagnostics, afterPhase: verifies ? verify : nil)
      step += 1
      stopped = outcome.stopRequested
      if outcome.skipped {
        skipped += 1
        badInARow += 1
        try metrics?.write(kind: "event", step: step, ["event": "skipped non-finite step", "ranks": .number(outcome.badRanks)])
        if comm.rank == 0 { log("step \(step): non-finite loss or gradient on \(Int(outcome.badRanks)) rank(s); step skipped") }
        if badInARow >= loop.maxBadSteps {
          throw TrainerError("\(badInARow) non-finite steps in a row (train.max_bad_steps); stopped at step \(step), the last good checkpoint in \(folder.path) is intact — lower optim.lr or set optim.grad_clip")
        }
        continue
      }
      badInARow = 0
      images += batch.size * comm.size
      for (key, value) in outcome.scalars {
        let old = window[key] ?? (0, 0)
        window[key] = (old.sum + value, old.count + 1)
      }
      if verifies {
        try metrics?.write(kind: "verify", step: step, [
          "checksum": .text(String(TrainingRun.checksum(of: networks), radix: 16)), "ranks": .number(Double(comm.size)),
          "phases": .number(Double(method.phases.count)),
        ])
      }
      // This rank's timings (rank 0's are logged): step wall time up to here, and the wait for
      // gradient all-reduces after backward (the part not hidden behind it).
      for (key, value) in [("step_s", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9), ("comm_wait_s", outcome.commWaitSeconds)] {
        let old = window[key] ?? (0, 0)
        window[key] = (old.sum + value, old.count + 1)
      }
      if step % loop.logEvery == 0 || step == total {
        let latest = window.mapValues { $0.sum / Double($0.count) }
        window = [:]
        lastLoss = method.headlineScalars.first.flatMap { latest[$0.key] } ?? .nan
        if comm.rank == 0 {
          let shown = method.headlineScalars.compactMap { s in latest[s.key].map { (s.label, $0) } }
          progress.show(step: step, firstStep: firstStep, images: images, values: shown)
          try metrics?.write(kind: "train", step: step, latest.mapValues { .number($0) }.merging(["skipped": .number(Double(skipped))]) { a, _ in a })
        }
      }
      let validate = validator != nil && (step == total || loop.valEvery > 0 && step % loop.valEvery == 0)
      if validate || stopped || step == total || loop.checkpointEvery > 0 && step % loop.checkpointEvery == 0 {
        try saveCheckpoint(validate: validate)
      }
    }
    progress.finish()
    let summary = RunSummary(
      folder: folder.path, firstStep: firstStep, lastStep: step, skippedSteps: skipped, stoppedBySignal: stopped,
      finalLoss: lastLoss, bestPSNR: bestPSNR.isFinite ? bestPSNR : nil, validation: lastValidation)
    try metrics?.write(kind: "summary", step: step, ["skipped": .number(Double(skipped)), "stopped_by_signal": .text(String(stopped))])
    return summary
  }

  /// Collective: gathers every rank's RNG and loader positions; rank 0 validates (when asked),
  /// writes `step-N.h5` (and `best.h5` on a new best PSNR) and prunes old checkpoints.
  func saveCheckpoint(validate: Bool) throws {
    let mine = try JSONEncoder().encode(RankState(rng: rng.state, cursors: data.cursors))
    let all = try comm.allGather(Array(mine)).map { try JSONDecoder().decode(RankState.self, from: Data($0)) }
    guard comm.rank == 0 else { return }
    var isBest = false
    if validate, let validator {
      let m = try validateWithEMA(validator)
      lastValidation = m
      isBest = m.psnrRGB > bestPSNR
      if isBest { bestPSNR = m.psnrRGB }
      try metrics?.write(kind: "val", step: step, ["psnr_rgb": .number(m.psnrRGB), "ssim_rgb": .number(m.ssimRGB),
                                              "psnr_y": .number(m.psnrY), "ssim_y": .number(m.ssimY)])
      log(String(format: "\nstep %d: validation (EMA) PSNR %.2f dB, SSIM %.4f (RGB); PSNR %.2f dB, SSIM %.4f (Y)%@",
                 step, m.psnrRGB, m.ssimRGB, m.psnrY, m.ssimY, isBest ? " — best so far" : ""))
    }
    let header = Checkpoint.Header(step: step, bestPSNR: bestPSNR, config: config.yaml, ranks: all)
    try Checkpoint.write(catalog.url(step: step).path, networks: networks, header: header)
    if isBest { try Checkpoint.write(catalog.best.path, networks: networks, header: header) }
    catalog.prune(keep: loop.keepLast)
  }

  /// The method's restoration scored with every EMA copy swapped in (and back out), grids in `val/`.
  func validateWithEMA(_ validator: Validator) throws -> ImageQuality {
    let grids = folder.appendingPathComponent("val")
    try FileManager.default.createDirectory(at: grids, withIntermediateDirectories: true)
    networks.forEach { $0.ema?.swapWithModel() }
    defer { networks.forEach { $0.ema?.swapWithModel() } }
    var draws = RandomStreams(seed: seed).stream("validation", shared: true)
    return try validator.run(try method.restoration(RestorationOptions()), using: &draws, gridFolder: grids).mean
  }
}
