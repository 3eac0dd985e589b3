// ProgressLine: rank 0's running status: one self-overwriting line on a terminal, plain lines
// (one per report) when output goes to a file or a pipe (Slurm logs). Under mpirun a rank's
// stdout is a pseudo-terminal even when mpirun's own output goes to a file, so ranks launched by
// MPI print plain lines unless NOISEDA_PROGRESS=live asks for the live line (=plain forces lines).
import Comm
import Foundation

/// Formats and prints "step 120/1000 | loss 0.0412 | λ 0.031 | 41.2 img/s | ETA 3m12s".
public struct ProgressLine {
  let total: Int
  let interactive: Bool
  let start: Date

  /// `interactive` defaults to `defaultInteractive()`.
  public init(totalSteps: Int, interactive: Bool = ProgressLine.defaultInteractive(), start: Date = Date()) {
    total = totalSteps
    self.interactive = interactive
    self.start = start
  }

  /// The text for `step` (steps done since `firstStep`, for the rate) with the named values.
  public func text(step: Int, firstStep: Int, images: Int, values: [(String, Double)], now: Date = Date()) -> String {
    let elapsed = max(now.timeIntervalSince(start), 1e-9)
    let done = step - firstStep
    let rate = Double(images) / elapsed
    var parts = ["step \(step)/\(total)"]
    parts += values.map { "\($0.0) \(String(format: abs($0.1) < 1e-3 && $0.1 != 0 ? "%.3e" : "%.4f", $0.1))" }
    parts.append(String(format: "%.1f img/s", rate))
    if done > 0 {
      parts.append("ETA " + ProgressLine.duration(elapsed / Double(done) * Double(total - step)))
    }
    return parts.joined(separator: " | ")
  }

  /// Prints `text(...)`: over the previous line on a terminal, as a new line otherwise.
  public func show(step: Int, firstStep: Int, images: Int, values: [(String, Double)]) {
    let line = text(step: step, firstStep: firstStep, images: images, values: values)
    if interactive {
      FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
    } else {
      print(line)
      fflush(stdout)
    }
  }

  /// NOISEDA_PROGRESS=live|plain when set; otherwise live only on a terminal outside mpirun.
  public static func defaultInteractive(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
    switch environment["NOISEDA_PROGRESS"] {
    case "live": return true
    case "plain": return false
    default: return isatty(STDOUT_FILENO) != 0 && !LaunchEnvironment(environment).launched
    }
  }

  /// Ends the live line so later output starts on a fresh line.
  public func finish() {
    if interactive { print("") }
  }

  /// "1h02m", "3m12s", "45s".
  public static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
  }
}
