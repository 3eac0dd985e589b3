// FreeformInpaintingTests: the converter's free-form inpainting (`inpaint:freeform1020` …) parses,
// replaces a fraction of the pixels inside the mask's range by N(0.5, 0.5²) noise, leaves the rest,
// and follows its seed.
@testable import Shards
import Tensors
import XCTest

final class FreeformInpaintingTests: XCTestCase {
  func testNamesParseAndTheMaskedPixelsBecomeNoise() throws {
    let (width, height) = (40, 30)
    let clean = FloatImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { Float($0 % 251) / 250 })
    for mask in FreeformMask.all {
      let d = try degradation(named: "inpaint:\(mask.name)")
      XCTAssertEqual(d.name, "inpaint:\(mask.name)")
      var rng = PhiloxRandom(seed: 7)
      let out = d.apply(clean, using: &rng)
      var changed = 0, noise: [Float] = []
      for p in 0..<(width * height) {
        let values = (0..<3).map { out.pixels[p * 3 + $0] }
        guard values != (0..<3).map({ clean.pixels[p * 3 + $0] }) else { continue }
        changed += 1
        noise += values
      }
      XCTAssert(mask.coverage.contains(Double(changed) / Double(width * height)), "\(mask.name): \(changed) pixels changed")
      let mean = noise.reduce(0, +) / Float(noise.count)
      let std = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(noise.count)).squareRoot()
      XCTAssertEqual(mean, 0.5, accuracy: 0.1, mask.name)
      XCTAssertEqual(std, 0.5, accuracy: 0.1, mask.name)
      var (a, b, c) = (PhiloxRandom(seed: 11), PhiloxRandom(seed: 11), PhiloxRandom(seed: 12))
      XCTAssertEqual(d.apply(clean, using: &a), d.apply(clean, using: &b))
      XCTAssertNotEqual(d.apply(clean, using: &a), d.apply(clean, using: &c))
    }
    XCTAssertThrowsError(try degradation(named: "inpaint:freeform")) { error in
      XCTAssert(String(describing: error).contains("inpaint:freeform2030"))
    }
  }
}
