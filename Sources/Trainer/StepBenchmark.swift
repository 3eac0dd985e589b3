// StepBenchmark: times whole training steps on random data — exactly the work of one
// TrainingRun step (zeroed gradients, the method's losses, backward with bucketed gradient
// averaging across ranks, Adam on every network) without loaders, logging, EMA or
// checkpoints — so that `noiseda bench step` and the PyTorch reference
// (Tests/reference/torch_reference/step_bench.py) measure the same thing. Reports the median
// step time, images/s, GFLOP/s from traced FLOPs, peak resident memory and pool allocations
// after every step (a steady-state step allocates nothing new).
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
  /// `vanilla` or `da`.
  public var method = "da"
  /// Patch height and width P of every image `[B, 3, P, P]`.
  public var patch = 128
  /// Images per kind on each rank (B synthetic pairs; B real images for `da`).
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
  /// network pass); element-wise work and Adam are not counted.
  public let flopsPerStep: Double
  /// flopsPerStep · ranks / secondsPerStep, in GFLOP/s.
  public let gflops: Double
  /// Peak resident memory (VmHWM) of rank 0 after each step, warm-up included, in MiB.
  public let peakResidentMiB: [Double]
  /// New buffers the pool took from the system during each step, warm-up included.
  public let freshAllocations: [Int]
}

/// A prepared benchmark: networks, method and one random batch.
public final class StepBenchmark {
  public let options: StepBenchmarkOptions
  let comm: Communicator
  let networks: [TrainedNetwork]
  let method: TrainingMethod
  let batch: TrainingBatch
  let reducer: GradientBucketReducer
  let readiness: GradientReadiness
  /// Traced FLOPs of one step on one rank.
  public let flopsPerStep: Double
  var rng: PhiloxRandom

  /// Builds the networks (Kaiming initialisation, the same on every rank), the method and a
  /// random batch. Collective when `communicator` has several ranks. Throws for unknown presets,
  /// a method other than vanilla/da, or a patch the networks cannot take.
  public init(options: StepBenchmarkOptions, communicator: Communicator) throws {
    self.options = options
    comm = communicator
    guard ["vanilla", "da"].contains(options.method) else {
      throw TrainerError("--method \(options.method) is not benchmarked; use vanilla or da")
    }
    guard options.batch > 0, options.patch > 0, options.steps > 0, options.warmup >= 0 else {
      throw TrainerError("--batch, --patch and --steps must be positive and --warmup not negative")
    }
    var initRNG = PhiloxRandom(seed: 1)
    let built = try MethodNetworks(
      method: options.method, restorer: options.restorer, diffusion: options.diffusion, diffusionDropout: 0.2,
      adaptation: AdaptationOptions(), optimization: MethodNetworks.Optimization(), using: &initRNG)
    let networks = built.networks
    method = built.method
    // 3 × forward FLOPs per network pass; under DA both networks run on 2B images (the two
    // domains; the positive and negative conditions).
    let restorerFLOPs = try StepBenchmark.forwardFLOPs(try ModelPresets.spec(named: options.restorer), patch: options.patch)
    let flops: Double
    if let diffusionSpec = built.diffusionSpec {
      flops = 3 * 2 * Double(options.batch) * (restorerFLOPs + (try StepBenchmark.forwardFLOPs(diffusionSpec, patch: options.patch)))
    } else {
      flops = 3 * Double(options.batch) * restorerFLOPs
    }
    self.networks = networks
    flopsPerStep = flops
    var dataRNG = PhiloxRandom(seed: 2, stream: UInt64(communicator.rank))
    let shape = [options.batch, 3, options.patch, options.patch]
    batch = TrainingBatch(
      syntheticInput: Tensor.uniform(shape, 0, 1, using: &dataRNG), syntheticTarget: Tensor.uniform(shape, 0, 1, using: &dataRNG),
      realInput: options.method == "da" ? Tensor.uniform(shape, 0, 1, using: &dataRNG) : nil)
    rng = PhiloxRandom(seed: 3, stream: UInt64(communicator.rank))
    let reduceOrder = Array(networks.reversed())
    reducer = try GradientBucketReducer(communicator: communicator, buffers: reduceOrder.map(\.gradients))
    readiness = GradientReadiness(networks: reduceOrder)
  }

  /// Forward FLOPs of one image through `spec` at `patch`×`patch` (ModelSummary's trace).
  static func forwardFLOPs(_ spec: ModelSpec, patch: Int) throws -> Double {
    do {
      return try ModelSummary.traced(spec, size: patch).forwardFlops ?? 0
    } catch {
      throw TrainerError("--patch \(patch) does not fit the networks: \(error)")
    }
  }

  /// One training step: zeroed gradients, losses, backward with gradient averaging, Adam.
  public func step() throws {
    networks.forEach { $0.store.zeroGrad() }
    let losses = try method.losses(for: batch, lambda: 0.2, using: &rng)
    _ = try readiness.backward(losses.total, reducer: reducer)
    networks.forEach { $0.optimizer.step() }
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
      options: options, ranks: comm.size, threads: Threading.count, openblasCore: BLASSetup.coreName, stepSeconds: times,
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
