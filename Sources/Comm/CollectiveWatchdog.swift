// CollectiveWatchdog: bounds how long any collective may take. Open MPI tears the job down
// when a rank exits or crashes (docs/distributed.md, "When a rank dies"), but a rank that is
// alive and never enters the collective (a hang, a different code path) leaves the others
// waiting forever; this watchdog turns that into an abort after `timeout` seconds.
import Dispatch
import Foundation

/// Watches collectives in flight from a background thread and calls `onExpiry` (which should
/// end the run) when one has been in flight longer than `timeout` seconds. The timeout must
/// exceed the longest legitimate wait, e.g. the other ranks waiting while rank 0 validates.
public final class CollectiveWatchdog: @unchecked Sendable {
  private let condition = NSCondition()
  private var active: [Int: (call: String, start: UInt64)] = [:]
  private var nextToken = 0
  private var timeoutSeconds: Double
  private var running = false
  private let onExpiry: (_ call: String, _ seconds: Double) -> Void

  /// `timeout` in seconds; 0 or less disables the watchdog.
  public init(timeout: Double, onExpiry: @escaping (_ call: String, _ seconds: Double) -> Void) {
    self.timeoutSeconds = timeout
    self.onExpiry = onExpiry
  }

  /// Seconds a collective may stay in flight; 0 or less disables the watchdog.
  public var timeout: Double {
    get { condition.withLock { timeoutSeconds } }
    set { condition.withLock { timeoutSeconds = newValue; condition.broadcast() } }
  }

  /// Registers a collective in flight; pass the token to `end` when it completes.
  public func begin(_ call: String) -> Int {
    condition.withLock {
      nextToken += 1
      active[nextToken] = (call, DispatchTime.now().uptimeNanoseconds)
      if !running {
        running = true
        let thread = Thread { [self] in watch() }
        thread.name = "noiseda-collective-watchdog"
        thread.start()
      }
      return nextToken
    }
  }

  /// Marks the collective of `token` as completed.
  public func end(_ token: Int) {
    condition.withLock { _ = active.removeValue(forKey: token) }
  }

  /// Runs `body` as one watched collective named `call`.
  @discardableResult
  public func watch<R>(_ call: String, _ body: () throws -> R) rethrows -> R {
    let token = begin(call)
    defer { end(token) }
    return try body()
  }

  /// Checks the oldest collective in flight a few times per timeout period, for ever.
  private func watch() {
    condition.lock()
    while true {
      let limit = timeoutSeconds
      let now = DispatchTime.now().uptimeNanoseconds
      if limit > 0, let oldest = active.values.min(by: { $0.start < $1.start }) {
        let seconds = Double(now - oldest.start) / 1e9
        if seconds > limit {
          condition.unlock()
          onExpiry(oldest.call, seconds)
          return
        }
      }
      let interval = limit > 0 ? min(1.0, max(0.05, limit / 8)) : 1.0
      _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
    }
  }
}
