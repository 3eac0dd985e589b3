// FreeformMaskTests: the free-form inpainting masks (FreeformMask) keep their coverage ranges, follow
// their seed and are strokes rather than boxes; i2sb with i2sb.mask: freeform… keeps the known
// pixels when sampling, draws its mask from the sampler's seed, and masks its training loss.
import Layers
@testable import Methods
import Tensors
import XCTest

final class FreeformMaskTests: XCTestCase {
  func draw(_ mask: FreeformMask, _ height: Int, _ width: Int, seed: UInt64) -> [Float] {
    var rng = PhiloxRandom(seed: seed)
    return mask.draw(height: height, width: width, using: &rng).values
  }

  func testCoverageLiesInTheNamedRange() {
    for mask in FreeformMask.all {
      XCTAssertEqual(FreeformMask(named: mask.name), mask)
      for (height, width) in [(64, 64), (32, 48), (16, 12), (5, 2)] {
        var fractions: [Double] = []
        for seed in 0..<60 {
          let values = draw(mask, height, width, seed: UInt64(seed))
          XCTAssert(values.allSatisfy { $0 == 0 || $0 == 1 })
          fractions.append(Double(values.reduce(0, +)) / Double(height * width))
          XCTAssert(mask.coverage.contains(fractions.last!), "\(mask.name) \(height)×\(width) seed \(seed): \(fractions.last!)")
        }
        if height * width >= 1000 {  // the coverage spreads over the range rather than sticking to one end
          let (low, high) = (fractions.min()!, fractions.max()!)
          XCTAssertLessThan(low, mask.coverage.lowerBound + 0.03, mask.name)
          XCTAssertGreaterThan(high, mask.coverage.upperBound - 0.03, mask.name)
        }
      }
    }
    XCTAssertNil(FreeformMask(named: "freeform4050"))
  }

  func testTheSeedFixesTheMask() {
    for mask in FreeformMask.all {
      XCTAssertEqual(draw(mask, 32, 24, seed: 3), draw(mask, 32, 24, seed: 3))
      XCTAssertNotEqual(draw(mask, 32, 24, seed: 3), draw(mask, 32, 24, seed: 4))
    }
  }

  /// A box fills its bounding box and crosses every row it touches once; strokes leave most of
  /// their bounding box free and often cross a row more than once.
  func testMasksAreStrokesNotBoxes() {
    let (height, width) = (64, 64)
    for mask in FreeformMask.all {
      var fill = 0.0, runsPerRow = 0.0
      let seeds = 40
      for seed in 0..<seeds {
        let m = draw(mask, height, width, seed: UInt64(seed))
        var (top, bottom, left, right) = (height, -1, width, -1)
        var runs = 0, rows = 0
        for y in 0..<height {
          var rowRuns = 0
          for x in 0..<width where m[y * width + x] == 1 {
            (top, bottom, left, right) = (min(top, y), max(bottom, y), min(left, x), max(right, x))
            if x == 0 || m[y * width + x - 1] == 0 { rowRuns += 1 }
          }
          if rowRuns > 0 { (runs, rows) = (runs + rowRuns, rows + 1) }
        }
        let box = Double((bottom - top + 1) * (right - left + 1))
        fill += Double(m.reduce(0, +)) / box / Double(seeds)
        runsPerRow += Double(runs) / Double(rows) / Double(seeds)
      }
      XCTAssertLessThan(fill, 0.7, "\(mask.name): the strokes fill \(fill) of their bounding box")
      XCTAssertGreaterThan(runsPerRow, 1.3, "\(mask.name): \(runsPerRow) runs per masked row")
    }
  }

  /// A tiny i2sb method (diffusion-tiny as the bridge) with free-form masks, its networks initialised.
  func bridge(_ maskName: String) throws -> ImageToImageBridge {
    let settings = TestSettings(ImageToImageBridge.configKeys, [
      "i2sb.network": .string("diffusion-tiny"), "i2sb.mask": .string(maskName), "i2sb.beta_max": .double(1.0),
    ])
    let method = try ImageToImageBridge(settings: settings)
    var rng = PhiloxRandom(seed: 9)
    for role in method.roles { ParameterStore(module: role.module).initialize(using: &rng) }
    return method
  }

  func testUnknownMaskNamesTheValidOnes() throws {
    XCTAssertEqual(try bridge("freeform3040").mask, .freeform(.freeform3040))
    XCTAssertEqual(try bridge("freeform1020").dataKinds, [.clean])
    XCTAssertThrowsError(try bridge("freeform")) { error in
      let text = String(describing: error)
      XCTAssert(text.contains("'freeform'") && text.contains("freeform2030") && !text.contains("\n"), text)
    }
  }

  /// The sampler draws the mask from its generator first (so the seed fixes it), keeps the pixels
  /// outside it exactly under OT-ODE and within a few s_0 otherwise, and samples inside it.
  func testFreeformInpaintingKeepsTheKnownPixels() throws {
    let method = try bridge("freeform2030")
    var rng = PhiloxRandom(seed: 3)
    let image = Tensor.uniform([1, 3, 16, 12], -1, 1, using: &rng)
    for (deterministic, tolerance) in [(true, Float(0)), (false, Float(5 * method.schedule.marginal(0).std))] {
      let sampler = try XCTUnwrap(try method.sampler(.init(steps: 4, deterministic: deterministic)) as? BridgeSampler)
      var draws = PhiloxRandom(seed: 5)
      let out = try SamplerRestoration(sampler).restore(image, using: &draws)
      let mask = try XCTUnwrap(sampler.drawn.mask).values
      XCTAssertEqual(mask, draw(.freeform2030, 16, 12, seed: 5), "the mask is the first draw of the sampler's seed")
      var inside = 0.0
      for c in 0..<3 {
        for i in 0..<(16 * 12) {
          let k = c * 16 * 12 + i
          if mask[i] == 0 {
            XCTAssertEqual(out.data[k], image.data[k], accuracy: tolerance, "known pixel \(i) changed (OT-ODE \(deterministic))")
          } else {
            inside += Double(abs(out.data[k] - image.data[k]))
          }
        }
      }
      XCTAssertGreaterThan(inside, 0, "the masked region was not sampled")
    }
  }

  /// Training draws one mask per sample, fills it with noise in x₁ and leaves x₀ elsewhere; the loss
  /// is the squared error summed over the masked entries only, divided by all entries.
  func testTrainingLossIsTheMaskedMSE() throws {
    let method = try bridge("freeform1020")
    var rng = PhiloxRandom(seed: 4)
    let (n, h, w) = (3, 16, 16)
    let clean = Tensor.uniform([n, 3, h, w], -1, 1, using: &rng)
    let (x0, x1, m) = try method.endpoints(TrainingBatch(clean: clean), using: &rng)
    let mask = try XCTUnwrap(m)
    XCTAssertEqual(mask.shape, [n, 1, h, w])
    let plane = h * w
    let masks = (0..<n).map { Array(mask.values[($0 * plane)..<(($0 + 1) * plane)]) }
    XCTAssertNotEqual(masks[0], masks[1])
    for (s, sample) in masks.enumerated() {
      XCTAssert(FreeformMask.freeform1020.coverage.contains(Double(sample.reduce(0, +)) / Double(plane)))
      for c in 0..<3 {
        for i in 0..<plane {
          let k = (s * 3 + c) * plane + i
          if sample[i] == 0 { XCTAssertEqual(x1.data[k], x0.data[k]) } else { XCTAssertNotEqual(x1.data[k], x0.data[k]) }
        }
      }
    }
    let steps = [37, 500, 812]
    let noise = Tensor.normal(x0.shape, using: &rng)
    var unused = PhiloxRandom(seed: 0)
    let loss = try method.bridgeLoss(x0: x0, x1: x1, steps: steps, noise: noise, mask: mask, using: &unused).item
    var expected = 0.0
    for s in 0..<n {
      let q = method.schedule.marginal(steps[s]), sigma = method.schedule.sigmaForward[steps[s]]
      let range = (s * 3 * plane)..<((s + 1) * 3 * plane)
      let sample = { (t: Tensor) in try Tensor(shape: [1, 3, h, w], values: Array(t.values[range])) }
      let xn = try sample(x0) * Float(q.x0) + sample(x1) * Float(q.x1) + sample(noise) * Float(q.std)
      let label = try (xn - sample(x0)) / Float(sigma)
      let prediction = try method.predict(xn, steps: [steps[s]], x1: sample(x1), using: &unused)
      for c in 0..<3 {
        for i in 0..<plane where masks[s][i] == 1 {
          expected += pow(Double(prediction.data[c * plane + i] - label.data[c * plane + i]), 2)
        }
      }
    }
    expected /= Double(n * 3 * plane)
    XCTAssertEqual(Double(loss), expected, accuracy: 1e-5 * expected)
  }
}
