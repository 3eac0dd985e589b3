// ModelBenchmark: times a preset's forward pass (no gradients) and forward + backward pass on a
// fixed random batch and converts the medians to images/s and GFLOP/s. FLOPs are the traced
// forward count (ModelSummary); a backward pass is counted as twice the forward (the usual
// convention: input and weight gradients each cost one forward).
import Foundation
import Tensors

/// Throughput of one model at one batch size and input size.
public struct ModelBenchmark: Codable, Sendable {
  public let model: String
  public let batch: Int
  public let size: Int
  public let parameters: Int
  /// Forward FLOPs per image.
  public let forwardFlopsPerImage: Double
  /// Median seconds of a forward pass.
  public let forwardSeconds: Double
  /// Median seconds of forward + backward (with gradients zeroed before each).
  public let trainSeconds: Double

  public var forwardImagesPerSecond: Double { Double(batch) / forwardSeconds }
  public var trainImagesPerSecond: Double { Double(batch) / trainSeconds }
  public var forwardGFLOPs: Double { forwardFlopsPerImage * Double(batch) / forwardSeconds / 1e9 }
  public var trainGFLOPs: Double { 3 * forwardFlopsPerImage * Double(batch) / trainSeconds / 1e9 }

  /// Measures preset `name`: one untimed warm-up of each pass, then `repeats` timed ones.
  public static func measure(_ name: String, batch: Int, size: Int, repeats: Int) throws -> ModelBenchmark {
    let spec = try ModelPresets.spec(named: name)
    let summary = try ModelSummary.traced(spec, size: size)
    let module = spec.build()
    let store = ParameterStore(module: module)
    var rng = PhiloxRandom(seed: 1)
    store.initialize(using: &rng)
    let x = Tensor.uniform([batch, spec.inChannels, size, size], 0, 1, using: &rng)
    let gammas = (0..<batch).map { _ in rng.uniform(0.01, 1) }
    var dropoutRandom = PhiloxRandom(seed: 2)
    func forward() throws -> Tensor {
      switch module {
      case let restorer as RestorerUNet: return try restorer(x)
      case let diffusion as DiffusionUNet: return try diffusion(x, gammas: gammas, using: &dropoutRandom)
      case let network as UnaryModule: return try network(x)
      default: preconditionFailure("ModelBenchmark: no forward for \(type(of: module))")
      }
    }
    func timed(_ body: () throws -> Void) rethrows -> Double {
      var times: [Double] = []
      for _ in 0...repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      }
      return times.dropFirst().sorted()[repeats / 2]
    }
    let forwardSeconds = try timed { _ = try Autograd.withoutGradients { try forward() } }
    let trainSeconds = try timed {
      store.zeroGrad()
      let y = try forward()
      try y.backward(gradient: Tensor(shape: y.shape, repeating: 1 / Float(y.count)))
    }
    return ModelBenchmark(
      model: name, batch: batch, size: size, parameters: store.parameterCount,
      forwardFlopsPerImage: summary.forwardFlops ?? 0, forwardSeconds: forwardSeconds, trainSeconds: trainSeconds)
  }
}
