// Validator: scores a method's restoration on whole validation images (the `val` shards):
// restore (the restoration pads to its network's size multiple itself), clamp and quantise, then
// PSNR/SSIM on RGB and on Y (ImageQuality), and optionally a PNG grid input | output | target per
// image.
import Foundation
import Methods
import Shards
import Tensors

/// Per-image and mean quality of one validation pass.
public struct ValidationResult: Codable, Equatable, Sendable {
  public var images: [ImageQuality]
  public var mean: ImageQuality
}

/// Runs a restorer over every image of a `val` shard set.
public final class Validator {
  public let set: ShardSet
  public let range: PixelRange

  /// Opens the validation shards in `folder` (they must hold inputs and targets).
  public init(folder: String, range: PixelRange) throws {
    set = try ShardSet(folder: folder)
    guard set.hasInput, set.hasTarget else {
      throw TrainerError("validation shards \(folder) need degraded inputs and clean targets; convert them with --kind val")
    }
    self.range = range
  }

  /// Scores `restoration` on at most `limit` images, its random draws (if any) from `rng`;
  /// writes `val-<i>.png` grids for the first `grids` images into `gridFolder` when given.
  public func run(_ restoration: ImageRestoration, using rng: inout PhiloxRandom, limit: Int = .max, gridFolder: URL? = nil,
                  grids: Int = 4) throws -> ValidationResult {
    var images: [ImageQuality] = []
    for i in 0..<min(set.count, limit) {
      let (input, target) = try set.sample(i)
      guard let input, let target else { continue }
      let output = try restoration.restore(Tensor(image: input, range: range), using: &rng)
      let truth = Tensor(image: target, range: range)
      images.append(ImageQuality.measure(output.data, truth.data, height: target.height, width: target.width, range: range.bounds))
      if let gridFolder, i < grids {
        let grid = RGBImage.sideBySide([input, RGBImage(tensor: output, range: range), target])
        try ImageFile.write(grid, to: gridFolder.appendingPathComponent("val-\(i).png").path)
      }
    }
    guard !images.isEmpty else { throw TrainerError("validation shards \(set.folder) hold no images") }
    return ValidationResult(images: images, mean: ImageQuality.mean(images))
  }
}
