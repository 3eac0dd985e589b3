// HDF5Element: the Swift scalar types that datasets and attributes store, with their native
// HDF5 type and the class/size/sign used to check what a file actually holds.
import CHDF5
import CShims

/// A fixed-size number stored in HDF5 datasets (uint8 images, float32 weights, int64 counters).
public protocol HDF5Element {
  /// The native in-memory HDF5 type id (valid after `H5open()`).
  static var hdf5Type: hid_t { get }
  /// Whether the HDF5 type class is floating point (else integer).
  static var isFloatingPoint: Bool { get }
  /// Whether the integer type is signed (ignored for floating point).
  static var isSigned: Bool { get }
  /// Short name for messages, as numpy spells it.
  static var hdf5Name: String { get }
}

extension UInt8: HDF5Element {
  public static var hdf5Type: hid_t { noiseda_h5_native_uint8() }
  public static var isFloatingPoint: Bool { false }
  public static var isSigned: Bool { false }
  public static var hdf5Name: String { "uint8" }
}

extension Int32: HDF5Element {
  public static var hdf5Type: hid_t { noiseda_h5_native_int32() }
  public static var isFloatingPoint: Bool { false }
  public static var isSigned: Bool { true }
  public static var hdf5Name: String { "int32" }
}

extension Int64: HDF5Element {
  public static var hdf5Type: hid_t { noiseda_h5_native_int64() }
  public static var isFloatingPoint: Bool { false }
  public static var isSigned: Bool { true }
  public static var hdf5Name: String { "int64" }
}

extension UInt64: HDF5Element {
  public static var hdf5Type: hid_t { noiseda_h5_native_uint64() }
  public static var isFloatingPoint: Bool { false }
  public static var isSigned: Bool { false }
  public static var hdf5Name: String { "uint64" }
}

extension Float: HDF5Element {
  public static var hdf5Type: hid_t { noiseda_h5_native_float() }
  public static var isFloatingPoint: Bool { true }
  public static var isSigned: Bool { true }
  public static var hdf5Name: String { "float32" }
}

extension Double: HDF5Element {
  public static var hdf5Type: hid_t { noiseda_h5_native_double() }
  public static var isFloatingPoint: Bool { true }
  public static var isSigned: Bool { true }
  public static var hdf5Name: String { "float64" }
}

/// What a stored (file) type is, in numpy terms: `uint8`, `float32`, `string`, ...
func hdf5TypeName(_ type: hid_t) -> String {
  let size = H5Tget_size(type)
  switch H5Tget_class(type) {
  case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
  case H5T_FLOAT: return "float\(size * 8)"
  case H5T_STRING: return "string"
  default: return "compound or other type"
  }
}

/// Whether the stored type `type` holds exactly `T` (same class, size and sign).
func hdf5Type<T: HDF5Element>(_ type: hid_t, holds _: T.Type) -> Bool {
  let size = H5Tget_size(type)
  guard size == MemoryLayout<T>.size else { return false }
  let typeClass = H5Tget_class(type)
  if T.isFloatingPoint { return typeClass == H5T_FLOAT }
  return typeClass == H5T_INTEGER && (H5Tget_sign(type) != H5T_SGN_NONE) == T.isSigned
}
