// InMemoryTiles: a TileSource over images held in memory, for loader and sampler tests; it can
// be told to fail on one sample to test error paths.
import Shards
import Tensors

/// Stored samples in memory; `sample(failing)` throws.
final class InMemoryTiles: TileSource {
  struct Broken: Error, Equatable { let index: Int }

  let inputs: [RGBImage]?
  let targets: [RGBImage]?
  var failing: Int?

  init(inputs: [RGBImage]?, targets: [RGBImage]?, failing: Int? = nil) {
    precondition(inputs != nil || targets != nil)
    self.inputs = inputs
    self.targets = targets
    self.failing = failing
  }

  /// `count` random images of `width × height` (seeded), as inputs, targets or both (the same
  /// pictures when `identical`, else independent ones).
  static func random(count: Int, width: Int, height: Int, input: Bool, target: Bool, identical: Bool = false, seed: UInt64 = 1) -> InMemoryTiles {
    var rng = PhiloxRandom(seed: seed)
    func images() -> [RGBImage] {
      (0..<count).map { _ in RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(rng.int(below: 256)) }) }
    }
    let a = images()
    return InMemoryTiles(inputs: input ? a : nil, targets: target ? (input && !identical ? images() : a) : nil)
  }

  var count: Int { (inputs ?? targets!).count }
  var hasInput: Bool { inputs != nil }
  var hasTarget: Bool { targets != nil }

  func sample(_ index: Int) throws -> (input: RGBImage?, target: RGBImage?) {
    if index == failing { throw Broken(index: index) }
    return (inputs?[index], targets?[index])
  }
}
