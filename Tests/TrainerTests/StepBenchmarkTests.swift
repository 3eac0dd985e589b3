// StepBenchmarkTests: `noiseda bench step`'s library side on tiny networks — the step trains
// (parameters move, the loss is finite), the FLOP count is 3 × the traced forward FLOPs of
// every pass, steps after the first allocate no new pool buffers, and bad options are errors.
import Comm
import Kernels
import Layers
import Methods
import Tensors
@testable import Trainer
import XCTest

final class StepBenchmarkTests: XCTestCase {
  func tinyOptions(_ method: String) -> StepBenchmarkOptions {
    var o = StepBenchmarkOptions()
    o.restorer = "unet-tiny"
    o.diffusion = "diffusion-tiny"
    o.method = method
    o.patch = 16
    o.batch = 3
    o.warmup = 1
    o.steps = 3
    return o
  }

  func testDAStepCountsFlopsOfBothNetworksOn2BImagesAndReusesItsBuffers() throws {
    let bench = try StepBenchmark(options: tinyOptions("da"), communicator: SingleProcessCommunicator())
    let before = bench.networks.map { Array(UnsafeBufferPointer(start: $0.store.values.pointer, count: $0.store.flatCount)) }
    let result = try bench.run()

    var diffusion = DiffusionConfig(
      baseChannels: 16, channelMultipliers: [1, 2], resBlocks: 1, attentionResolutions: [], headChannels: 16, dropout: 0.2,
      groups: 8)
    diffusion.inChannels = 9
    let restorerFlops = try XCTUnwrap(ModelSummary.traced(try ModelPresets.spec(named: "unet-tiny"), size: 16).forwardFlops)
    let diffusionFlops = try XCTUnwrap(ModelSummary.traced(.diffusion(diffusion), size: 16).forwardFlops)
    XCTAssertEqual(result.flopsPerStep, 3 * 2 * 3 * (restorerFlops + diffusionFlops), accuracy: 1)

    XCTAssertEqual(result.stepSeconds.count, 3)
    XCTAssertEqual(result.freshAllocations.count, 4)
    XCTAssertEqual(Array(result.freshAllocations.dropFirst()), [0, 0, 0], "steps after the first took new buffers")
    XCTAssertGreaterThan(result.freshAllocations[0], 0)
    XCTAssertEqual(result.imagesPerSecond, 3 / result.secondsPerStep, accuracy: 1e-9)
    XCTAssertEqual(result.peakResidentMiB.count, 4)
    XCTAssertTrue(result.peakResidentMiB.allSatisfy { $0 > 0 })
    // Adam moved both networks.
    for (network, old) in zip(bench.networks, before) {
      let now = Array(UnsafeBufferPointer(start: network.store.values.pointer, count: network.store.flatCount))
      XCTAssertNotEqual(now, old, "\(network.role) did not change")
    }
  }

  func testVanillaStepUsesTheRestorerAlone() throws {
    let bench = try StepBenchmark(options: tinyOptions("vanilla"), communicator: SingleProcessCommunicator())
    XCTAssertEqual(bench.networks.map(\.role), ["restorer"])
    let restorerFlops = try XCTUnwrap(ModelSummary.traced(try ModelPresets.spec(named: "unet-tiny"), size: 16).forwardFlops)
    XCTAssertEqual(bench.flopsPerStep, 3 * 3 * restorerFlops, accuracy: 1)
    XCTAssertNoThrow(try bench.step())
  }

  /// Every registered method is benchmarked through the trainer's own step.
  func testEveryRegisteredMethodRunsItsSteps() throws {
    for name in MethodRegistry.names {
      var o = tinyOptions(name)
      o.steps = 1
      o.warmup = 0
      let result = try StepBenchmark(options: o, communicator: SingleProcessCommunicator()).run()
      XCTAssertGreaterThan(result.flopsPerStep, 0, name)
      XCTAssertEqual(result.stepSeconds.count, 1, name)
    }
  }

  func testBadOptionsAreOneLineErrors() {
    var o = tinyOptions("dann")
    XCTAssertThrowsError(try StepBenchmark(options: o, communicator: SingleProcessCommunicator())) { error in
      XCTAssertTrue("\(error)".contains("'dann' is not a method"), "\(error)")
    }
    o = tinyOptions("da")
    o.patch = 15
    XCTAssertThrowsError(try StepBenchmark(options: o, communicator: SingleProcessCommunicator())) { error in
      XCTAssertTrue("\(error)".contains("--patch 15"), "\(error)")
    }
    o = tinyOptions("vanilla")
    o.restorer = "diffusion-tiny"
    XCTAssertThrowsError(try StepBenchmark(options: o, communicator: SingleProcessCommunicator())) { error in
      XCTAssertTrue("\(error)".contains("not a restorer preset"), "\(error)")
    }
  }
}
