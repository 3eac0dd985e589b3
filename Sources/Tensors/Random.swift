// Random: a counter-based generator (Philox4x32-10, Salmon et al. 2011, as in PyTorch's CUDA and
// JAX generators). A value depends only on (key, counter), so a stream is reproducible from its
// seed, independent of how many draws other streams or other ranks made, and its whole state is
// three integers that a checkpoint stores.
import Kernels

/// One Philox4x32-10 stream. `key` selects the stream (seed ⊕ stream id); `counter` counts
/// 128-bit blocks drawn so far; `lane` is the next unused 32-bit word of the current block.
public struct PhiloxRandom: RandomNumberGenerator, Equatable, Codable, Sendable {
  /// The stream's key (two 32-bit words packed), fixed at creation.
  public let key: UInt64
  /// Index of the next 128-bit block to generate.
  public private(set) var counter: UInt64
  private var block: SIMD4<UInt32> = .zero
  private var lane = 4

  /// Stream `stream` of run `seed`: distinct (seed, stream) pairs give independent sequences.
  public init(seed: UInt64, stream: UInt64 = 0) {
    key = PhiloxRandom.mix(seed ^ PhiloxRandom.mix(stream &+ 0x9E37_79B9_7F4A_7C15))
    counter = 0
  }

  /// Restores a stream saved as (key, counter, lane) — see `state`.
  public init(state: [UInt64]) throws {
    guard state.count == 3, state[2] <= 4 else {
      throw TensorError.invalidArgument(op: "PhiloxRandom(state:)", reason: "expects [key, counter, lane] with lane ≤ 4, got \(state)")
    }
    key = state[0]
    counter = state[1]
    lane = 4
    if state[2] < 4 {
      counter -= 1
      block = PhiloxRandom.philox(counter: counter, key: key)
      counter += 1
      lane = Int(state[2])
    }
  }

  /// The whole state as [key, counter, lane], for checkpoints.
  public var state: [UInt64] { [key, counter, UInt64(lane)] }

  /// Next 32 random bits.
  public mutating func nextUInt32() -> UInt32 {
    if lane == 4 {
      block = PhiloxRandom.philox(counter: counter, key: key)
      counter &+= 1
      lane = 0
    }
    defer { lane += 1 }
    return block[lane]
  }

  public mutating func next() -> UInt64 {
    UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
  }

  /// Uniform in [0, 1) with 24 random bits (every float32 step of 2⁻²⁴ equally likely).
  public mutating func uniform() -> Float {
    Float(nextUInt32() >> 8) * 0x1p-24
  }

  /// Uniform in [lo, hi).
  public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
    lo + (hi - lo) * uniform()
  }

  /// Standard normal (Box–Muller on two uniforms; the first draw is kept away from 0).
  public mutating func normal() -> Float {
    let u1 = (Float(nextUInt32() >> 8) + 0.5) * 0x1p-24
    let u2 = uniform()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Float.pi * u2)
  }

  /// Uniform integer in 0..<n (Lemire's unbiased multiply-shift).
  public mutating func int(below n: Int) -> Int {
    precondition(n > 0, "int(below:) needs n > 0")
    return Int.random(in: 0..<n, using: &self)
  }

  /// A uniformly random permutation of 0..<n (Fisher–Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    if n > 1 {
      for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(below: i + 1)) }
    }
    return p
  }

  // Philox4x32 round constants (Salmon et al., Table 2).
  private static let m0: UInt64 = 0xD251_1F53, m1: UInt64 = 0xCD9E_8D57
  private static let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85

  /// Ten Philox rounds on the 128-bit block `counter` (high words zero) under `key`.
  static func philox(counter: UInt64, key: UInt64) -> SIMD4<UInt32> {
    var c = SIMD4<UInt32>(UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), 0, 0)
    var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
    for _ in 0..<10 {
      let p0 = m0 &* UInt64(c[0]), p1 = m1 &* UInt64(c[2])
      c = SIMD4(
        UInt32(truncatingIfNeeded: p1 >> 32) ^ c[1] ^ k0, UInt32(truncatingIfNeeded: p1),
        UInt32(truncatingIfNeeded: p0 >> 32) ^ c[3] ^ k1, UInt32(truncatingIfNeeded: p0))
      k0 &+= w0
      k1 &+= w1
    }
    return c
  }

  /// SplitMix64 finaliser: spreads seeds and stream ids over all 64 bits.
  static func mix(_ x: UInt64) -> UInt64 { SplitMix64.mix(x) }
}

/// The named streams of one rank of one run: `stream("crop")` on rank 2 of seed 7 is the same
/// sequence whatever other streams or ranks do. Stream ids hash the name (FNV-1a) and the rank.
public struct RandomStreams: Sendable {
  public let seed: UInt64
  public let rank: Int

  public init(seed: UInt64, rank: Int = 0) {
    self.seed = seed
    self.rank = rank
  }

  /// A fresh generator for `name` on this rank (the same name shared by all ranks when
  /// `shared` is true, e.g. for the epoch permutation every rank must agree on).
  public func stream(_ name: String, shared: Bool = false) -> PhiloxRandom {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in name.utf8 {
      h ^= UInt64(b)
      h &*= 0x0000_0100_0000_01B3
    }
    let r = shared ? UInt64.max : UInt64(rank)
    return PhiloxRandom(seed: seed, stream: h ^ PhiloxRandom.mix(r))
  }
}

extension Tensor {
  /// `[shape]` filled with uniform values in [lo, hi).
  public static func uniform(_ shape: [Int], _ lo: Float = 0, _ hi: Float = 1, using rng: inout PhiloxRandom) -> Tensor {
    let t = Tensor(uninitialized: shape)
    for i in 0..<t.count { t.data[i] = rng.uniform(lo, hi) }
    return t
  }

  /// `[shape]` filled with normal values of the given mean and standard deviation.
  public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout PhiloxRandom) -> Tensor {
    let t = Tensor(uninitialized: shape)
    for i in 0..<t.count { t.data[i] = mean + std * rng.normal() }
    return t
  }
}
