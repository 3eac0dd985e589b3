// StopSignals: turns SIGTERM/SIGINT (what Slurm sends before pre-emption, or Ctrl-C) into a flag
// the training loop polls once per step; all ranks then agree to checkpoint and exit 0.
import Foundation

/// Process-wide record of a stop request.
public enum StopSignals {
  nonisolated(unsafe) private static var requested: sig_atomic_t = 0
  nonisolated(unsafe) private static var installed = false

  /// Installs handlers for SIGTERM and SIGINT that only set the flag (async-signal-safe).
  public static func install() {
    guard !installed else { return }
    installed = true
    for sig in [SIGTERM, SIGINT] {
      signal(sig) { _ in StopSignals.requested = 1 }
    }
  }

  /// Whether a stop was requested since start (or since `reset`).
  public static var isRequested: Bool { requested != 0 }

  /// Clears the flag (tests).
  public static func reset() { requested = 0 }
}
