// ConfigBounds: the range a numeric setting must lie in (a learning rate above 0, a batch of at
// least 1, a decay below 1), checked when a config file or override sets it, so that a value
// no run can use is an error naming the key and where it was set, before anything is allocated.

/// A numeric range, each end open, closed or absent; list values are checked element by element.
public struct ConfigBounds: Sendable, CustomStringConvertible {
  let lower: Double?
  let lowerInclusive: Bool
  let upper: Double?
  let upperInclusive: Bool

  /// `value ≥ bound`.
  public static func atLeast(_ bound: Double) -> ConfigBounds { ConfigBounds(lower: bound, lowerInclusive: true, upper: nil, upperInclusive: false) }
  /// `value > bound`.
  public static func above(_ bound: Double) -> ConfigBounds { ConfigBounds(lower: bound, lowerInclusive: false, upper: nil, upperInclusive: false) }
  /// `low ≤ value ≤ high`.
  public static func within(_ low: Double, _ high: Double) -> ConfigBounds { ConfigBounds(lower: low, lowerInclusive: true, upper: high, upperInclusive: true) }
  /// `low ≤ value < high` (Adam's β, a decay factor).
  public static func from(_ low: Double, below high: Double) -> ConfigBounds { ConfigBounds(lower: low, lowerInclusive: true, upper: high, upperInclusive: false) }
  /// `low < value ≤ high`.
  public static func above(_ low: Double, upTo high: Double) -> ConfigBounds { ConfigBounds(lower: low, lowerInclusive: false, upper: high, upperInclusive: true) }

  /// > 0: learning rates, temperatures, time-outs.
  public static let positive = above(0)
  /// ≥ 0: weights, cadences where 0 means "off".
  public static let nonNegative = atLeast(0)
  /// ≥ 1: counts, sizes, steps.
  public static let count = atLeast(1)

  /// The range as users read it: "> 0", "≥ 1", "in [0, 1)".
  public var description: String {
    switch (lower, upper) {
    case (let l?, let u?): return "in \(lowerInclusive ? "[" : "(")\(show(l)), \(show(u))\(upperInclusive ? "]" : ")")"
    case (let l?, nil): return "\(lowerInclusive ? "≥" : ">") \(show(l))"
    case (nil, let u?): return "\(upperInclusive ? "≤" : "<") \(show(u))"
    case (nil, nil): return "any number"
    }
  }

  /// Whether every number in `value` lies in the range (non-numeric values always do).
  public func admits(_ value: ConfigValue) -> Bool {
    let numbers: [Double] = switch value {
    case .int(let v): [Double(v)]
    case .double(let v): [v]
    case .ints(let v): v.map(Double.init)
    case .doubles(let v): v
    case .bool, .string: []
    }
    return numbers.allSatisfy { x in
      x.isFinite && lower.map { lowerInclusive ? x >= $0 : x > $0 } ?? true && upper.map { upperInclusive ? x <= $0 : x < $0 } ?? true
    }
  }

  private func show(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}
