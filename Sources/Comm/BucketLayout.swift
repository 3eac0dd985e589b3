// BucketLayout: how flat gradient buffers are cut into all-reduce buckets. Backward produces
// gradients from the last parameter to the first, so each network's buffer is cut from its end
// towards its start; networks follow one another in the order the caller gives (the order in
// which backward finishes them). Every rank computes the same layout, hence the same sequence
// of collectives.
import Foundation

/// One all-reduce unit: elements `range` of network `network`'s flat gradient buffer.
public struct GradientBucket: Equatable, Sendable {
  public let network: Int
  public let range: Range<Int>
}

/// The buckets of one or more flat gradient buffers, in the order they are reduced.
public struct BucketLayout: Equatable, Sendable {
  /// PyTorch DDP's default bucket size (`bucket_cap_mb=25`).
  public static let defaultBucketBytes = 25 * 1024 * 1024

  /// Buckets in reduction order: network 0 from its end to its start, then network 1, …
  public let buckets: [GradientBucket]
  /// Index in `buckets` of each network's first bucket, plus `buckets.count` at the end.
  public let networkStarts: [Int]

  /// Elements per bucket for `bytes` of float32: a multiple of 16 floats (64-byte aligned cuts).
  public static func elements(forBytes bytes: Int) -> Int {
    max(16, bytes / MemoryLayout<Float>.stride / 16 * 16)
  }

  /// Cuts buffers of `counts` elements into buckets of at most `bucketElements` elements. The
  /// cut points are multiples of `bucketElements` from the buffer's start, so a remainder
  /// forms the first, smaller bucket (at the buffer's end: reduced first, as in DDP); an empty
  /// buffer has no buckets.
  public init(counts: [Int], bucketElements: Int) throws {
    guard bucketElements > 0 else {
      throw CommError.invalidArgument(call: "BucketLayout", reason: "bucket size must be positive, got \(bucketElements)")
    }
    var buckets: [GradientBucket] = []
    var starts: [Int] = []
    for (network, count) in counts.enumerated() {
      guard count >= 0 else {
        throw CommError.invalidArgument(call: "BucketLayout", reason: "network \(network) has \(count) elements")
      }
      starts.append(buckets.count)
      var upper = count
      while upper > 0 {
        let lower = (upper - 1) / bucketElements * bucketElements
        buckets.append(GradientBucket(network: network, range: lower..<upper))
        upper = lower
      }
    }
    starts.append(buckets.count)
    self.buckets = buckets
    self.networkStarts = starts
  }

  /// Indices of the buckets of `network` whose elements all lie in `offset..<end`, i.e. that
  /// are final once backward has written that network's gradients from `offset` on.
  public func buckets(finalFrom offset: Int, network: Int) -> Range<Int> {
    let first = networkStarts[network]
    var index = first
    while index < networkStarts[network + 1], buckets[index].range.lowerBound >= offset { index += 1 }
    return first..<index
  }
}
