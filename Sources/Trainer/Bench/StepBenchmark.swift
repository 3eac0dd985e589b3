// StepBenchmark: times whole training steps of any registered method on random data — the
// trainer's own TrainingStep (every phase: zeroed gradients, the method's loss, backward with
// bucketed gradient averaging across ranks, the agreement all-reduce, the optimiser steps)
// without loaders, logging, EMA or checkpoints — so that `noiseda bench step` and the PyTorch
// reference (Tests/reference/torch_reference/step_bench.py) measure the same thing. Reports the
// median step time, images/s, GFLOP/s from traced FLOPs, peak resident memory and pool
// allocations after every step (a steady-state step allocates nothing new).
import Comm
import Dispatch
import Foundation
import Kernels
import Layers
import Methods
import Tensors

/// What to time: networks, method, shapes, steps.
public struct StepBenchmarkOptions: Codable, Sendable {
  public var restorer = "unet-s"
  public var diffusion = "diffusion-s"
  /// A registered method (`noiseda train --help-config` lists them under method.name).
  public var method = "da"
  /// Patch height and width P of every image `[B, 3, P, P]`.
  public var patch = 128
  /// Images per data kind on each rank (B synthetic pairs, B real images for `da`, …).
  public var batch = 8
  /// Untimed steps first.
  public var warmup = 2
  /// Timed steps.
  public var steps = 5

  public init() {}
}

/// One benchmark's figures (rank 0's view; every rank runs the same steps in lock-step).
public struct StepBenchmarkResult: Codable, Sendable {
  public let options: StepBenchmarkOptions
  /// The method's networks as "role preset", in role order.
  public let networks: [String]
  public let ranks: Int
  public let threads: Int
  public let openblasCore: String
  /// Seconds of each timed step.
  public let stepSeconds: [Double]
  /// Median of `stepSeconds`.
  public let secondsPerStep: Double
  /// CPU seconds (user + system, all threads of rank 0) of each timed step: on a shared machine
  /// less disturbed by other processes than the wall-clock time.
  public let stepCPUSeconds: [Double]
  /// Median of `stepCPUSeconds`.
  public let cpuSecondsPerStep: Double
  /// Synthetic images per second over all ranks (B · ranks / secondsPerStep).
  public let imagesPerSecond: Double
  /// Forward + backward FLOPs of one step on one rank (3 × the traced forward FLOPs of every
  /// phase's loss); element-wise work and Adam are not counted.
  public let flopsPerStep: Double
  /// flopsPerStep · ranks / secondsPerStep, in GFLOP/s.
  public let gflops: Double
  /// Peak resident memory (VmHWM) of rank 0 after each step, warm-up included, in MiB.
  public let peakResidentMiB: [Double]
  /// New buffers the pool took from the system during each step, warm-up included.
  public let freshAllocations: [Int]
}

/// A prepared benchmark: the method, its training step and one random batch.
public final class StepBenchmark {
  public let options: StepBenchmarkOptions
  let comm: Communicator
  let trainingStep: TrainingStep
  let batch: TrainingBatch
  /// Traced FLOPs of one step on one rank.
  public let flopsPerStep: Double
  var rng: PhiloxRandom
  var stepsDone = 0

  /// The networks, in the method's role order.
  var networks: [TrainedNetwork] { trainingStep.networks }

  /// Builds the method with `options`' presets (Kaiming initialisation, the same on every rank)
  /// and a random batch of each data kind it reads. Collective when `communicator` has several
  /// ranks. Throws for an unknown method or preset, or a patch the networks cannot take.
  public init(options: StepBenchmarkOptions, communicator: Communicator) throws {
    self.options = options
    comm = communicator
    guard options.batch > 0, options.patch > 0, options.steps > 0, options.warmup >= 0 else {
      throw TrainerError("--batch, --patch and --steps must be positive and --warmup not negative")
    }
    var config = RunConfig()
    for (key, value) in [("method.name", options.method), ("model.restorer", options.restorer), ("model.diffusion", options.diffusion)] {
      try config.set(key, to: value, source: "bench step")
    }
    let method = try MethodRegistry.entry(named: options.method).make(config)
    var initRNG = PhiloxRandom(seed: 1)
    let networks = try TrainingRun.networks(of: method, keepsEMA: false, using: &initRNG)
    var dataRNG = PhiloxRandom(seed: 2, stream: UInt64(communicator.rank))
    let shape = [options.batch, 3, options.patch, options.patch]
    var batch = TrainingBatch()
    for kind in method.dataKinds {
      switch kind {
      case .pairs:
        batch.syntheticInput = Tensor.uniform(shape, 0, 1, using: &dataRNG)
        batch.syntheticTarget = Tensor.uniform(shape, 0, 1, using: &dataRNG)
      case .real: batch.realInput = Tensor.uniform(shape, 0, 1, using: &dataRNG)
      case .clean: batch.clean = Tensor.uniform(shape, 0, 1, using: &dataRNG)
      }
    }
    self.batch = batch
    rng = PhiloxRandom(seed: 3, stream: UInt64(communicator.rank))
    flopsPerStep = try StepBenchmark.tracedFLOPs(method, batch: batch, rng: rng, patch: options.patch)
    trainingStep = try TrainingStep(
      method: method, networks: networks, communicator: communicator, bucketBytes: BucketLayout.defaultBucketBytes, gradientClip: 0)
  }

  /// 3 × the forward FLOPs of every phase's loss on `batch` (one traced pass without gradients,
  /// drawing from a copy of the step's generator).
  static func tracedFLOPs(_ method: TrainingMethod, batch: TrainingBatch, rng: PhiloxRandom, patch: Int) throws -> Double {
    var draws = rng
    do {
      let trace = try Autograd.withoutGradients {
        try ForwardTrace.run {
          for phase in method.phases.indices {
            _ = try method.loss(phase: phase, batch: batch, context: StepContext(step: 0, totalSteps: 1, epoch: 1), using: &draws)
          }
        }
      }
      return 3 * trace.totalFlops
    } catch {
      throw TrainerError("--patch \(patch) does not fit the networks of \(method.name): \(error)")
    }
  }

  /// One training step of the trainer (no EMA: no rank keeps one here).
  public func step() throws {
    let total = options.warmup + options.steps
    _ = try trainingStep.run(batch: batch, context: StepContext(step: stepsDone, totalSteps: total, epoch: 1), using: &rng)
    stepsDone += 1
  }

  /// Runs the warm-up and timed steps and returns rank 0's figures (every rank returns its own).
  public func run() throws -> StepBenchmarkResult {
    var times: [Double] = [], cpuTimes: [Double] = [], peaks: [Double] = [], fresh: [Int] = []
    for i in 0..<(options.warmup + options.steps) {
      let allocationsBefore = BufferPool.shared.freshAllocations
      try comm.barrier()
      let start = DispatchTime.now().uptimeNanoseconds, cpuStart = StepBenchmark.cpuSeconds()
      try step()
      let cpu = StepBenchmark.cpuSeconds() - cpuStart
      try comm.barrier()
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if i >= options.warmup {
        times.append(seconds)
        cpuTimes.append(cpu)
      }
      peaks.append(StepBenchmark.peakResidentMiB())
      fresh.append(BufferPool.shared.freshAllocations - allocationsBefore)
    }
    let median = StepBenchmark.median(times)
    return StepBenchmarkResult(
      options: options, networks: networks.map { "\($0.role) \($0.preset)" }, ranks: comm.size, threads: Threading.count, openblasCore: BLASSetup.coreName, stepSeconds: times,
      secondsPerStep: median, stepCPUSeconds: cpuTimes, cpuSecondsPerStep: StepBenchmark.median(cpuTimes),
      imagesPerSecond: Double(options.batch * comm.size) / median, flopsPerStep: flopsPerStep,
      gflops: flopsPerStep * Double(comm.size) / median / 1e9, peakResidentMiB: peaks, freshAllocations: fresh)
  }

  /// The middle value (the mean of the two middle ones for an even count), as Python's statistics.median.
  static func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return (s[(s.count - 1) / 2] + s[s.count / 2]) / 2
  }

  /// User + system CPU seconds of this process so far (all threads).
  static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }

  /// VmHWM of this process in MiB (Linux /proc/self/status); 0 where unavailable.
  static func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let kib = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
    else { return 0 }
    return kib / 1024
  }
}
