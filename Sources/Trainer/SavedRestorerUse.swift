// SavedRestorerUse: what inference needs to know about a loaded restorer — its pixel range, and
// a warning when its EMA weights still hold much of the initial weights (decay^step of them
// remain), so that scoring them would mislead.
import Foundation
import Shards

extension Checkpoint.SavedRestorer {
  /// A one-line warning when the loaded EMA copy still holds more than 10% of the initial
  /// weights, else nil.
  public var emaWarning: String? {
    guard usedEMA else { return nil }
    let decay = config.double("ema.decay")
    let initialShare = pow(decay, Double(step))
    guard initialShare > 0.1 else { return nil }
    return String(format: "warning: the EMA (decay %g) has seen %d steps and still holds %.0f%% of the initial weights; train longer, lower ema.decay, or pass --no-ema", decay, step, 100 * initialShare)
  }

  /// The pixel range the restorer was trained in: [0, 1] for denoising, [−1, 1] otherwise.
  public var pixelRange: PixelRange { config.pixelRange }
}
