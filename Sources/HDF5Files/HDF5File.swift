// HDF5File: an open HDF5 file. New files are written under a temporary name and appear under
// their real name only on `commit()` (flush, seal when created `sealed` (HDF5FileSeal), fsync,
// rename), so a crash or `abandon()` never leaves a half-written file where a reader would take
// it for a complete one; a write that fails (a full disk) fails at the write that hit it, and
// `abandon()` then leaves no file behind.
import CHDF5
import CShims
import Foundation

/// An HDF5 file opened read-only, or created for writing under `path + ".tmp"`.
/// Groups and datasets opened from it are closed when released or when the file closes.
public final class HDF5File {
  /// Where the file lives (or will live once committed).
  public let path: String
  /// Where the bytes are written until `commit()`: `path + ".tmp"` for new files, else `path`.
  public let writingPath: String
  /// Whether the file was created by `create` (and so may be committed or abandoned).
  public let isWritable: Bool
  /// Whether `commit()` seals the file (HDF5FileSeal).
  private let sealed: Bool

  private var fileID: hid_t
  private var children: Set<hid_t> = []
  private let lock = NSLock()

  private init(path: String, writingPath: String, id: hid_t, writable: Bool, sealed: Bool) {
    self.path = path
    self.writingPath = writingPath
    self.fileID = id
    self.isWritable = writable
    self.sealed = sealed
  }

  /// Creates (truncating) `path + ".tmp"`; call `commit()` to move it to `path`. A `sealed` file
  /// starts with a user block for its seal, written on commit.
  public static func create(_ path: String, sealed: Bool = false) throws -> HDF5File {
    HDF5Library.enter()
    let temporary = path + ".tmp"
    // No sieve buffer: each dataset write goes to the file at once, so a full disk fails that
    // write (naming the dataset) rather than the dataset's later close, which runs unchecked and
    // whose failure leaves libhdf5 1.10 an id to an object it already freed.
    let access = try h5check(H5Pcreate(noiseda_h5_p_file_access()), "H5Pcreate", file: temporary, object: "/")
    defer { H5Pclose(access) }
    try h5check(H5Pset_sieve_buf_size(access, 0), "H5Pset_sieve_buf_size", file: temporary, object: "/")
    let creation = try h5check(H5Pcreate(noiseda_h5_p_file_create()), "H5Pcreate", file: temporary, object: "/")
    defer { H5Pclose(creation) }
    if sealed {
      try h5check(H5Pset_userblock(creation, hsize_t(HDF5FileSeal.blockSize)), "H5Pset_userblock", file: temporary, object: "/")
    }
    let id = H5Fcreate(temporary, noiseda_h5_f_acc_trunc(), creation, access)
    if id < 0 {
      let error = HDF5Error(call: "H5Fcreate", file: temporary, object: "/", reason: HDF5Library.lastMessage())
      unlink(temporary)
      throw error
    }
    return HDF5File(path: path, writingPath: temporary, id: id, writable: true, sealed: sealed)
  }

  /// Opens an existing file read-only. A missing file or one that is not HDF5 (for example cut
  /// short by a crash) throws an error naming it.
  public static func open(_ path: String) throws -> HDF5File {
    HDF5Library.enter()
    guard FileManager.default.fileExists(atPath: path) else {
      throw HDF5Error(call: "H5Fopen", file: path, object: "/", reason: "no such file")
    }
    let id = try h5check(
      H5Fopen(path, noiseda_h5_f_acc_rdonly(), noiseda_h5_p_default()), "H5Fopen", file: path, object: "/")
    return HDF5File(path: path, writingPath: path, id: id, writable: false, sealed: false)
  }

  deinit { closeHandles() }

  /// The root group `/`, where file-level attributes live.
  public var root: HDF5Group {
    get throws { try HDF5Group(file: self, id: register("H5Gopen2", "/") { H5Gopen2($0, "/", noiseda_h5_p_default()) }, path: "/") }
  }

  /// Flushes, closes, seals (when created so) and renames the temporary file to `path`
  /// (replacing what was there).
  public func commit() throws {
    guard isWritable else {
      throw HDF5Error(call: "commit", file: path, object: "/", reason: "file was opened read-only")
    }
    _ = try id("H5Fflush") { try h5check(H5Fflush($0, H5F_SCOPE_GLOBAL), "H5Fflush", file: writingPath, object: "/") }
    try close()
    if sealed { try HDF5FileSeal.write(writingPath) }
    // A file system that allocates late (NFS, delayed allocation) reports a full disk here.
    let descriptor = Foundation.open(writingPath, O_RDONLY)
    guard descriptor >= 0, fsync(descriptor) == 0 else {
      let reason = String(cString: strerror(errno))
      if descriptor >= 0 { Foundation.close(descriptor) }
      throw HDF5Error(call: "fsync", file: writingPath, object: "/", reason: reason)
    }
    Foundation.close(descriptor)
    if Foundation.rename(writingPath, path) != 0 {
      throw HDF5Error(call: "rename", file: path, object: "/", reason: String(cString: strerror(errno)) + " (from \(writingPath))")
    }
  }

  /// Closes and deletes the temporary file of a file that will not be committed (after a failed
  /// write: a full disk, an I/O error), leaving no trace and no broken libhdf5 state.
  public func abandon() {
    if isWritable { detachFromDisk() }
    closeHandles()
    if isWritable { unlink(writingPath) }
  }

  /// Closes the file and every group and dataset still open in it. Later use throws.
  public func close() throws {
    lock.lock()
    defer { lock.unlock() }
    guard fileID >= 0 else { return }
    for child in children { H5Oclose(child) }
    children.removeAll()
    let status = H5Fclose(fileID)
    fileID = -1
    try h5check(status, "H5Fclose", file: writingPath, object: "/")
  }

  private func closeHandles() { try? close() }

  /// Points libhdf5's descriptor of the file (the sec2 driver's) at an anonymous shared-memory
  /// file, so that the metadata libhdf5 still writes on closing lands somewhere with room and is
  /// discarded. On a full disk that write fails otherwise, and libhdf5 1.10 answers a failed
  /// H5Fclose by freeing the file yet keeping its id, which crashes its clean-up at exit.
  private func detachFromDisk() {
    lock.lock()
    defer { lock.unlock() }
    var handle: UnsafeMutableRawPointer?
    guard fileID >= 0, H5Fget_vfd_handle(fileID, noiseda_h5_p_default(), &handle) >= 0, let handle else { return }
    let name = "/noiseda-abandoned-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let memory = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0o600)
    guard memory >= 0 else { return }
    shm_unlink(name)
    dup2(memory, handle.load(as: Int32.self))
    Foundation.close(memory)
  }

  // MARK: Handle bookkeeping shared with groups and datasets

  /// Runs `body` on the open file id, or throws when the file is closed.
  func id<T>(_ call: String = "use", _ body: (hid_t) throws -> T) throws -> T {
    HDF5Library.enter()
    lock.lock()
    let id = fileID
    lock.unlock()
    guard id >= 0 else {
      throw HDF5Error(call: call, file: path, object: "/", reason: "the file is already closed")
    }
    return try body(id)
  }

  /// Opens or creates an object with `open(fileID)`, checks the id and records it for closing.
  func register(_ call: String, _ object: String, _ open: (hid_t) -> hid_t) throws -> hid_t {
    HDF5Library.enter()
    lock.lock()
    defer { lock.unlock() }
    guard fileID >= 0 else {
      throw HDF5Error(call: call, file: path, object: object, reason: "the file is already closed")
    }
    let id = try h5check(open(fileID), call, file: writingPath, object: object)
    children.insert(id)
    return id
  }

  /// Closes a group or dataset unless the file already closed it.
  func release(_ id: hid_t) {
    lock.lock()
    defer { lock.unlock() }
    if children.remove(id) != nil { H5Oclose(id) }
  }

  /// Whether `id` is a group or dataset still open in this file.
  func isOpen(_ id: hid_t) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    return children.contains(id)
  }
}
