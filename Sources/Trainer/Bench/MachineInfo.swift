// MachineInfo: what a benchmark report says about the machine it ran on — the CPU model (Linux
// /proc/cpuinfo) and the 1-minute load average at the start (/proc/loadavg), which tells whether
// other processes competed for the cores.
import Foundation

/// Read-only facts about this machine, for benchmark headers and JSON reports.
public enum MachineInfo {
  /// The 1-minute load average ("unknown" where /proc/loadavg is missing).
  public static func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").first.map(String.init) ?? "unknown"
  }

  /// The CPU's model name, family and model number ("unknown" where /proc/cpuinfo is missing).
  public static func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    let name = fields["model name"] ?? "unknown"
    guard let family = fields["cpu family"], let model = fields["model"] else { return name }
    return "\(name) (family \(family), model \(model))"
  }
}
