// BufferPool: the caching allocator. Tensor buffers of a training step repeat the same sizes
// step after step, so a released buffer is kept by size and handed out again; at steady state
// a step allocates no new large buffers (`freshAllocations` stops growing).
import Foundation

/// A thread-safe cache of 64-byte-aligned float buffers, keyed by capacity in floats.
public final class BufferPool: @unchecked Sendable {
  /// The process-wide pool every tensor allocates from.
  public static let shared = BufferPool()

  private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
  private var lock = pthread_mutex_t()
  private(set) var cachedFloats = 0
  /// Buffers obtained from the system so far (a cache miss each).
  public private(set) var freshAllocations = 0
  /// Floats currently handed out.
  public private(set) var floatsInUse = 0

  public init() { pthread_mutex_init(&lock, nil) }

  /// Capacities are rounded up to 16 floats (one cache line); larger ones to a 1/16 step of
  /// their power of two, so that similar sizes share buffers without wasting more than ~6%.
  @inline(__always)
  static func sizeClass(_ count: Int) -> Int {
    if count <= 4096 { return max(16, (count + 15) & ~15) }
    let high = Int.bitWidth - (count - 1).leadingZeroBitCount  // ceil(log2)
    let step = 1 << max(4, high - 5)
    return (count + step - 1) / step * step
  }

  /// A buffer of at least `count` floats (contents undefined).
  public func allocate(_ count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
    let capacity = BufferPool.sizeClass(count)
    pthread_mutex_lock(&lock)
    floatsInUse += capacity
    if var list = free[capacity], let p = list.popLast() {
      free[capacity] = list
      cachedFloats -= capacity
      pthread_mutex_unlock(&lock)
      return (p, capacity)
    }
    freshAllocations += 1
    pthread_mutex_unlock(&lock)
    var raw: UnsafeMutableRawPointer?
    guard posix_memalign(&raw, 64, capacity * MemoryLayout<Float>.stride) == 0, let raw else {
      fatalError("out of memory allocating \(capacity * 4) bytes")
    }
    return (raw.bindMemory(to: Float.self, capacity: capacity), capacity)
  }

  /// Returns a buffer obtained from `allocate` for reuse.
  public func release(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
    pthread_mutex_lock(&lock)
    floatsInUse -= capacity
    free[capacity, default: []].append(pointer)
    cachedFloats += capacity
    pthread_mutex_unlock(&lock)
  }

  /// Gives every cached buffer back to the system.
  public func trim() {
    pthread_mutex_lock(&lock)
    for (_, list) in free { for p in list { Foundation.free(p) } }
    free.removeAll()
    cachedFloats = 0
    pthread_mutex_unlock(&lock)
  }
}
