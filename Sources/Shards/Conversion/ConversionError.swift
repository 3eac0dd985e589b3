// ConversionError: what stops `noiseda convert` as a whole (bad options, nothing converted,
// a rank that cannot join the run). Single unreadable files are not errors: they are skipped
// and reported.

/// A failure of the whole conversion; one line with the fix.
public enum ConversionError: Error, CustomStringConvertible, Equatable {
  case invalidOption(String)
  case nothingConverted(items: Int, skipped: Int, firstReason: String)
  case rankSetup(String)

  public var description: String {
    switch self {
    case .invalidOption(let message): return message
    case .nothingConverted(let items, let skipped, let firstReason):
      return "nothing was converted: \(items) source items, \(skipped) skipped (first: \(firstReason)); check --layout and --input"
    case .rankSetup(let message): return message
    }
  }
}
