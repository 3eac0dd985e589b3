// RunFolderLock: one run per run folder. Rank 0 takes an advisory lock (flock) on `train.lock`
// in the run folder for the run's life and writes its host, PID and start time into the file; a
// second run into the folder is refused in one line naming them. The kernel drops a flock when
// the process that holds it ends, however it ends (kill -9 included), so a file left behind by
// a dead run never blocks: the next run takes the lock and rewrites the file. The file is never
// deleted: a run that deleted it could let the next two runs lock two different files.
import Foundation

/// The lock of a run folder, held until this object is released or the process ends.
public final class RunFolderLock {
  /// The lock file's name inside the run folder.
  public static let fileName = "train.lock"

  /// The lock file.
  public let path: String
  private let descriptor: Int32

  /// Creates `folder` when needed and takes its lock. Throws, naming the holder's host and PID,
  /// when another process holds it. On a file system without flock (some Lustre or old NFS
  /// mounts) it warns through `warn` and goes on unlocked.
  public init(folder: URL, warn: (String) -> Void) throws {
    path = folder.appendingPathComponent(Self.fileName).path
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw TrainerError("run folder \(folder.path) cannot be created (\(error.localizedDescription)); check run.out_dir")
    }
    let file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard file >= 0 else {
      throw TrainerError("run folder \(folder.path): cannot open \(Self.fileName) (\(String(cString: strerror(errno)))); check that the folder is writable")
    }
    if flock(file, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      guard code == EWOULDBLOCK else {
        warn("warning: run folder \(folder.path) cannot be locked (flock: \(String(cString: strerror(code)))), so a second run started into it would not be refused")
        descriptor = file
        return
      }
      close(file)
      let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
      throw TrainerError("run folder \(folder.path) is in use by another training run (\(holder.isEmpty ? "it has not recorded its host and PID yet" : holder)); wait for it to end, or pick another run.name")
    }
    descriptor = file
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, host.count - 1)
    let line = "pid \(getpid()) on host \(String(cString: host)), started \(ISO8601DateFormatter().string(from: Date()))\n"
    _ = ftruncate(file, 0)
    _ = line.withCString { pwrite(file, $0, strlen($0), 0) }
  }

  deinit { close(descriptor) }
}
