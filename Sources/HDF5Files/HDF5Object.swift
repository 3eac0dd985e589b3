// HDF5Object: what groups and datasets share — the open id (closed when the object is released
// or its file closes), the path inside the file for messages, and the checked-call helper.
import CHDF5
import CShims

/// An open group or dataset inside an `HDF5File`; keeps its file alive.
public class HDF5Object {
  /// The file this object lives in.
  public let file: HDF5File
  /// Absolute path inside the file, e.g. `/` or `/images/000003/input`.
  public let path: String
  let id: hid_t

  init(file: HDF5File, id: hid_t, path: String) {
    self.file = file
    self.id = id
    self.path = path
  }

  deinit { file.release(id) }

  /// The path of the child `name` of this object.
  func childPath(_ name: String) -> String {
    path == "/" ? "/" + name : path + "/" + name
  }

  /// The live id, or an error when the file was closed under this object.
  func liveID(_ call: String) throws -> hid_t {
    HDF5Library.enter()
    guard file.isOpen(id) else {
      throw HDF5Error(call: call, file: file.writingPath, object: path, reason: "the file is already closed")
    }
    return id
  }

  /// `h5check` naming this object (or `object` inside it) and its file.
  @discardableResult
  func check<T: BinaryInteger>(_ result: T, _ call: String, _ object: String? = nil) throws -> T {
    try h5check(result, call, file: file.writingPath, object: object ?? path)
  }

  /// An error about this object that is not a failed C call (wrong type, shape or size).
  func failure(_ call: String, _ reason: String, _ object: String? = nil) -> HDF5Error {
    HDF5Error(call: call, file: file.writingPath, object: object ?? path, reason: reason)
  }
}

/// A variable-length UTF-8 string type (close with `H5Tclose`).
func makeVariableStringType() -> hid_t {
  let type = H5Tcopy(noiseda_h5_c_s1())
  H5Tset_size(type, noiseda_h5_variable())
  H5Tset_cset(type, H5T_CSET_UTF8)
  return type
}
