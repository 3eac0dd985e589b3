// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded 64-bit generator and its finaliser. The
// finaliser spreads PhiloxRandom's seeds and stream ids over all 64 bits; the generator draws
// reproducible test data in the targets that sit below Tensors' PhiloxRandom.

/// Seeded, reproducible `RandomNumberGenerator`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SplitMix64.mix(state)
  }

  /// The finaliser: a bijection of 64-bit words that mixes every input bit into every output bit.
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
