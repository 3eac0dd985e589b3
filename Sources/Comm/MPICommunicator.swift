// MPICommunicator: the Communicator over Open MPI. MPI is initialised once per process with
// MPI_THREAD_MULTIPLE (the gradient reducer runs its collectives on its own thread while the
// trainer may call others; platform-notes §8) and finalised at most once. Every communicator
// returns MPI errors (MPI_ERRORS_RETURN) that become CommError naming the call and the rank;
// every collective in flight is watched by a CollectiveWatchdog (platform-notes §12).
import CMPI
import CShims
import Dispatch
import Foundation

/// A communicator over MPI_COMM_WORLD (from `world()`) or a duplicate of it.
public final class MPICommunicator: Communicator, @unchecked Sendable {
  private static let processLock = NSLock()
  nonisolated(unsafe) private static var worldInstance: MPICommunicator?
  nonisolated(unsafe) private static var isFinalized = false

  /// Default collective timeout in seconds: `NOISEDA_COLLECTIVE_TIMEOUT`, else 60 (0 disables).
  public static var defaultCollectiveTimeout: Double {
    ProcessInfo.processInfo.environment["NOISEDA_COLLECTIVE_TIMEOUT"].flatMap(Double.init) ?? 60
  }

  private let comm: MPI_Comm?
  private let ownsComm: Bool
  /// Shared by the world communicator and its duplicates.
  public let watchdog: CollectiveWatchdog
  public let rank: Int
  public let size: Int
  public let localRank: Int
  public let localSize: Int
  /// Largest element count passed to one MPI call (MPI counts are Int32, platform-notes §9);
  /// longer buffers are split. Lowered only by tests of the splitting.
  public var maxElementsPerCall = Int(Int32.max)

  /// Whether this process has initialised MPI (MPI_Initialized; callable before MPI_Init).
  public static var isInitialized: Bool {
    var flag: Int32 = 0
    _ = MPI_Initialized(&flag)
    return flag != 0
  }

  /// The world communicator, initialising MPI on first use (MPI_Init_thread, MULTIPLE). Works
  /// under mpirun/srun and, as a singleton of one rank, without them.
  public static func world() throws -> MPICommunicator {
    processLock.lock()
    defer { processLock.unlock() }
    if let world = worldInstance { return world }
    if isFinalized { throw CommError.finalized(call: "MPI_Init_thread") }
    var provided: Int32 = 0
    let rc = MPI_Init_thread(nil, nil, noiseda_mpi_thread_multiple(), &provided)
    guard rc == MPI_SUCCESS else {
      throw CommError.mpi(call: "MPI_Init_thread", rank: -1, code: rc, message: errorString(rc))
    }
    let world = noiseda_mpi_comm_world()
    // Errors must come back to us rather than abort inside MPI with its own message.
    _ = MPI_Comm_set_errhandler(world, noiseda_mpi_errors_return())
    guard provided >= noiseda_mpi_thread_multiple() else {
      // MPI cannot be initialised twice: end it now so later calls fail the same clear way.
      _ = MPI_Finalize()
      isFinalized = true
      throw CommError.threadLevel(provided: provided, required: noiseda_mpi_thread_multiple())
    }
    let instance = try MPICommunicator(comm: world, owned: false, watchdog: nil)
    worldInstance = instance
    return instance
  }

  private init(comm: MPI_Comm?, owned: Bool, watchdog: CollectiveWatchdog?) throws {
    self.comm = comm
    self.ownsComm = owned
    var value: Int32 = 0
    try Self.check(MPI_Comm_rank(comm, &value), "MPI_Comm_rank", rank: -1)
    let rank = Int(value)
    try Self.check(MPI_Comm_size(comm, &value), "MPI_Comm_size", rank: rank)
    self.rank = rank
    self.size = Int(value)
    var local: MPI_Comm? = noiseda_mpi_comm_null()
    try Self.check(
      MPI_Comm_split_type(comm, noiseda_mpi_comm_type_shared(), Int32(rank), noiseda_mpi_info_null(), &local),
      "MPI_Comm_split_type", rank: rank)
    defer { _ = MPI_Comm_free(&local) }
    try Self.check(MPI_Comm_rank(local, &value), "MPI_Comm_rank", rank: rank)
    self.localRank = Int(value)
    try Self.check(MPI_Comm_size(local, &value), "MPI_Comm_size", rank: rank)
    self.localSize = Int(value)
    if let watchdog {
      self.watchdog = watchdog
    } else {
      let handle = comm
      self.watchdog = CollectiveWatchdog(timeout: Self.defaultCollectiveTimeout) { call, seconds in
        let message = "rank \(rank): \(call) has not completed after \(Int(seconds)) s "
          + "(collective timeout; set NOISEDA_COLLECTIVE_TIMEOUT): another rank died, hangs or "
          + "left the common order of collectives; aborting the run"
        FileHandle.standardError.write(Data("noiseda: \(message)\n".utf8))
        _ = MPI_Abort(handle, 3)
      }
    }
  }

  deinit {
    if ownsComm {
      Self.processLock.lock()
      var handle: MPI_Comm? = comm
      if !Self.isFinalized { _ = MPI_Comm_free(&handle) }
      Self.processLock.unlock()
    }
  }

  // MARK: Collectives

  public func broadcast<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, root: Int) throws {
    try checkRoot(root, "MPI_Bcast")
    try forEachPiece(count) { offset, n in
      try run("MPI_Bcast") { MPI_Bcast(buffer + offset, n, Self.datatype(T.self), Int32(root), comm) }
    }
  }

  public func broadcast(_ bytes: inout [UInt8], root: Int) throws {
    try checkRoot(root, "MPI_Bcast")
    var length = Int64(bytes.count)
    try run("MPI_Bcast") { MPI_Bcast(&length, 1, noiseda_mpi_int64(), Int32(root), comm) }
    if rank != root { bytes = [UInt8](repeating: 0, count: Int(length)) }
    let total = Int(length)
    try bytes.withUnsafeMutableBytes { raw in
      guard let base = raw.baseAddress else { return }
      try forEachPiece(total) { offset, n in
        try run("MPI_Bcast") { MPI_Bcast(base + offset, n, noiseda_mpi_byte(), Int32(root), comm) }
      }
    }
  }

  public func allReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws {
    try forEachPiece(count) { offset, n in
      try run("MPI_Allreduce") {
        MPI_Allreduce(noiseda_mpi_in_place(), buffer + offset, n, Self.datatype(T.self), Self.mpiOp(op), comm)
      }
    }
  }

  public func startAllReduce<T: CommScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, op: ReduceOp) throws
    -> CommRequest
  {
    try checkAlive("MPI_Iallreduce")
    let request = MPIRequest(call: "MPI_Iallreduce", rank: rank, watchdog: watchdog)
    try forEachPiece(count) { offset, n in
      var handle: MPI_Request? = noiseda_mpi_request_null()
      try Self.check(
        MPI_Iallreduce(
          noiseda_mpi_in_place(), buffer + offset, n, Self.datatype(T.self), Self.mpiOp(op), comm, &handle),
        "MPI_Iallreduce", rank: rank)
      request.handles.append(handle)
    }
    return request
  }

  public func barrier() throws {
    try run("MPI_Barrier") { MPI_Barrier(comm) }
  }

  public func allGather(_ value: Double) throws -> [Double] {
    var mine = value
    var all = [Double](repeating: 0, count: size)
    try run("MPI_Allgather") {
      MPI_Allgather(&mine, 1, noiseda_mpi_double(), &all, 1, noiseda_mpi_double(), comm)
    }
    return all
  }

  public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
    var length = Int64(bytes.count)
    var lengths = [Int64](repeating: 0, count: size)
    try run("MPI_Allgather") {
      MPI_Allgather(&length, 1, noiseda_mpi_int64(), &lengths, 1, noiseda_mpi_int64(), comm)
    }
    let total = lengths.reduce(0, +)
    guard total <= Int64(Int32.max) else {
      throw CommError.invalidArgument(
        call: "allGather", reason: "\(total) bytes over all ranks exceed MPI's Int32 count; gather less")
    }
    var counts = lengths.map { Int32($0) }
    var offsets = [Int32](repeating: 0, count: size)
    for r in 1..<max(1, size) { offsets[r] = offsets[r - 1] + counts[r - 1] }
    var gathered = [UInt8](repeating: 0, count: max(1, Int(total)))
    var send = bytes.isEmpty ? [0] : bytes
    try run("MPI_Allgatherv") {
      MPI_Allgatherv(
        &send, Int32(length), noiseda_mpi_byte(), &gathered, &counts, &offsets, noiseda_mpi_byte(), comm)
    }
    return (0..<size).map { r in Array(gathered[Int(offsets[r])..<Int(offsets[r] + counts[r])]) }
  }

  public func setCollectiveTimeout(_ seconds: Double) { watchdog.timeout = seconds }

  public func duplicate() throws -> Communicator {
    try checkAlive("MPI_Comm_dup")
    var copy: MPI_Comm? = noiseda_mpi_comm_null()
    try run("MPI_Comm_dup") { MPI_Comm_dup(comm, &copy) }
    _ = MPI_Comm_set_errhandler(copy, noiseda_mpi_errors_return())
    return try MPICommunicator(comm: copy, owned: true, watchdog: watchdog)
  }

  public func abort(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("noiseda: rank \(rank): \(message)\n".utf8))
    _ = MPI_Abort(comm, code)
    exit(code)
  }

  /// Finalises MPI for the whole process (idempotent; later collectives throw `.finalized`).
  /// MPI_Finalize synchronises with the other ranks, so it is watched like a collective.
  public func finalize() throws {
    Self.processLock.lock()
    defer { Self.processLock.unlock() }
    guard !Self.isFinalized else { return }
    Self.isFinalized = true
    let rc = watchdog.watch("MPI_Finalize") { MPI_Finalize() }
    watchdog.timeout = 0
    try Self.check(rc, "MPI_Finalize", rank: rank)
  }

  // MARK: Helpers

  /// Calls `body(offset, count)` over `total` elements in pieces MPI's Int32 counts can hold.
  private func forEachPiece(_ total: Int, _ body: (Int, Int32) throws -> Void) throws {
    guard total >= 0 else {
      throw CommError.invalidArgument(call: "collective", reason: "negative element count \(total)")
    }
    var offset = 0
    repeat {
      let n = min(total - offset, maxElementsPerCall)
      try body(offset, Int32(n))
      offset += n
    } while offset < total
  }

  /// Runs one blocking MPI call under the watchdog and turns its return code into CommError.
  private func run(_ call: String, _ body: () -> Int32) throws {
    try checkAlive(call)
    let rc = watchdog.watch(call, body)
    try Self.check(rc, call, rank: rank)
  }

  private func checkAlive(_ call: String) throws {
    if Self.isFinalized { throw CommError.finalized(call: call) }
  }

  private func checkRoot(_ root: Int, _ call: String) throws {
    guard (0..<size).contains(root) else {
      throw CommError.invalidArgument(call: call, reason: "root \(root) is not a rank of a \(size)-rank run")
    }
  }

  static func check(_ rc: Int32, _ call: String, rank: Int) throws {
    guard rc == MPI_SUCCESS else {
      throw CommError.mpi(call: call, rank: rank, code: rc, message: errorString(rc))
    }
  }

  static func errorString(_ rc: Int32) -> String {
    var text = [CChar](repeating: 0, count: 512)
    var length: Int32 = 0
    guard MPI_Error_string(rc, &text, &length) == MPI_SUCCESS else { return "unknown error" }
    return String(cString: text)
  }

  static func datatype<T: CommScalar>(_: T.Type) -> MPI_Datatype {
    switch T.commType {
    case .float32: return noiseda_mpi_float()
    case .float64: return noiseda_mpi_double()
    }
  }

  static func mpiOp(_ op: ReduceOp) -> MPI_Op {
    switch op {
    case .sum: return noiseda_mpi_sum()
    case .max: return noiseda_mpi_max()
    }
  }
}

/// One started MPI collective, possibly split into several requests; watched until complete.
final class MPIRequest: CommRequest {
  var handles: [MPI_Request?] = []
  private let call: String
  private let rank: Int
  private let watchdog: CollectiveWatchdog
  private var token: Int?

  init(call: String, rank: Int, watchdog: CollectiveWatchdog) {
    self.call = call
    self.rank = rank
    self.watchdog = watchdog
    self.token = watchdog.begin(call)
  }

  deinit {
    if let token { watchdog.end(token) }
  }

  func test() throws -> Bool {
    guard token != nil else { return true }
    for i in handles.indices where handles[i] != noiseda_mpi_request_null() {
      var flag: Int32 = 0
      try MPICommunicator.check(MPI_Test(&handles[i], &flag, noiseda_mpi_status_ignore()), "MPI_Test", rank: rank)
      if flag == 0 { return false }
    }
    complete()
    return true
  }

  func wait() throws {
    guard token != nil else { return }
    for i in handles.indices where handles[i] != noiseda_mpi_request_null() {
      try MPICommunicator.check(MPI_Wait(&handles[i], noiseda_mpi_status_ignore()), "MPI_Wait", rank: rank)
    }
    complete()
  }

  private func complete() {
    if let token { watchdog.end(token) }
    token = nil
  }
}
