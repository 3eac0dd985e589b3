// EMAWarning: tells the user when a checkpoint's EMA weights are still mostly the initial ones
// (decay^step of the initial weights remain), so scoring them would mislead.
import Foundation

public enum EMAWarning {
  /// A one-line warning when the loaded EMA copy still holds more than 10% of the initial
  /// weights, else nil.
  public static func text(_ saved: Checkpoint.SavedRestorer) -> String? {
    guard saved.usedEMA else { return nil }
    let decay = saved.config.double("ema.decay")
    let initialShare = pow(decay, Double(saved.step))
    guard initialShare > 0.1 else { return nil }
    return String(format: "warning: the EMA (decay %g) has seen %d steps and still holds %.0f%% of the initial weights; train longer, lower ema.decay, or pass --no-ema", decay, saved.step, 100 * initialShare)
  }
}
