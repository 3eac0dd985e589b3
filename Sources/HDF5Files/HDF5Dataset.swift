// HDF5Dataset: an open dataset — its shape and stored type, whole reads and writes, reads and
// writes of a range along the first axis (one image of an NHWC array, rows of a weight
// matrix), growing the first axis, and reading 1-D string datasets.
import CHDF5
import CShims
import Foundation

/// A numeric or string dataset inside an `HDF5File`. Reads check that the stored element type
/// is exactly the requested one (no silent conversion).
public final class HDF5Dataset: HDF5Object {
  /// The current extent, `[]` for a scalar.
  public func shape() throws -> [Int] {
    let space = try check(H5Dget_space(liveID("H5Dget_space")), "H5Dget_space")
    defer { H5Sclose(space) }
    return try extent(of: space)
  }

  /// The stored element type in numpy terms (`uint8`, `float32`, `string`, ...).
  public func typeName() throws -> String {
    let type = try check(H5Dget_type(liveID("H5Dget_type")), "H5Dget_type")
    defer { H5Tclose(type) }
    return hdf5TypeName(type)
  }

  /// Whether the stored elements are exactly `T`.
  public func holds<T: HDF5Element>(_: T.Type) throws -> Bool {
    let type = try check(H5Dget_type(liveID("H5Dget_type")), "H5Dget_type")
    defer { H5Tclose(type) }
    return hdf5Type(type, holds: T.self)
  }

  /// All values, row-major.
  public func read<T: HDF5Element>(as _: T.Type) throws -> [T] {
    let count = try shape().reduce(1, *)
    return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      try read(into: buffer)
      initialized = count
    }
  }

  /// Reads all values into `buffer`, whose count must equal the dataset's element count.
  public func read<T: HDF5Element>(into buffer: UnsafeMutableBufferPointer<T>) throws {
    try transfer(T.self, range: nil, count: buffer.count, call: "H5Dread") { memory, file in
      H5Dread(id, T.hdf5Type, memory, file, noiseda_h5_p_default(), buffer.baseAddress)
    }
  }

  /// Entries `range` of the first axis, row-major (`range.count * shape[1...].product` values).
  public func readSlice<T: HDF5Element>(_ range: Range<Int>, as _: T.Type) throws -> [T] {
    let count = try range.count * shape().dropFirst().reduce(1, *)
    return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      try readSlice(range, into: buffer)
      initialized = count
    }
  }

  /// Reads entries `range` of the first axis into `buffer` (exactly that many values).
  public func readSlice<T: HDF5Element>(_ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws {
    try transfer(T.self, range: range, count: buffer.count, call: "H5Dread") { memory, file in
      H5Dread(id, T.hdf5Type, memory, file, noiseda_h5_p_default(), buffer.baseAddress)
    }
  }

  /// Writes all values (row-major, exactly the dataset's element count).
  public func write<T: HDF5Element>(_ values: [T]) throws {
    try values.withUnsafeBufferPointer { try write($0) }
  }

  /// Writes all values from `buffer`.
  public func write<T: HDF5Element>(_ buffer: UnsafeBufferPointer<T>) throws {
    try transfer(T.self, range: nil, count: buffer.count, call: "H5Dwrite") { memory, file in
      H5Dwrite(id, T.hdf5Type, memory, file, noiseda_h5_p_default(), buffer.baseAddress)
    }
  }

  /// Writes entries `range` of the first axis from `values`.
  public func writeSlice<T: HDF5Element>(_ range: Range<Int>, _ values: [T]) throws {
    try values.withUnsafeBufferPointer { try writeSlice(range, from: $0) }
  }

  /// Writes entries `range` of the first axis from `buffer` (exactly that many values).
  public func writeSlice<T: HDF5Element>(_ range: Range<Int>, from buffer: UnsafeBufferPointer<T>) throws {
    try transfer(T.self, range: range, count: buffer.count, call: "H5Dwrite") { memory, file in
      H5Dwrite(id, T.hdf5Type, memory, file, noiseda_h5_p_default(), buffer.baseAddress)
    }
  }

  /// Sets the extent of the first axis of a dataset created `growable`.
  public func resize(firstAxis count: Int) throws {
    var dims = try shape().map { hsize_t($0) }
    guard !dims.isEmpty, count >= 0 else { throw failure("H5Dset_extent", "cannot resize a scalar to \(count)") }
    dims[0] = hsize_t(count)
    try check(H5Dset_extent(liveID("H5Dset_extent"), dims), "H5Dset_extent")
  }

  /// All strings of a 1-D string dataset (variable or fixed length).
  public func readStrings() throws -> [String] {
    let id = try liveID("H5Dread")
    let type = try check(H5Dget_type(id), "H5Dget_type")
    defer { H5Tclose(type) }
    guard H5Tget_class(type) == H5T_STRING else {
      throw failure("H5Dread", "holds \(hdf5TypeName(type)), expected strings")
    }
    let space = try check(H5Dget_space(id), "H5Dget_space")
    defer { H5Sclose(space) }
    let count = try extent(of: space).reduce(1, *)
    if count == 0 { return [] }
    if H5Tis_variable_str(type) > 0 {
      let memory = makeVariableStringType()
      defer { H5Tclose(memory) }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      try check(H5Dread(id, memory, noiseda_h5_s_all(), noiseda_h5_s_all(), noiseda_h5_p_default(), &pointers), "H5Dread")
      defer { H5Dvlen_reclaim(memory, space, noiseda_h5_p_default(), &pointers) }
      return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }
    let size = H5Tget_size(type) + 1  // room for the terminator of the null-terminated memory type
    let memory = H5Tcopy(noiseda_h5_c_s1())
    defer { H5Tclose(memory) }
    H5Tset_size(memory, size)
    var bytes = [UInt8](repeating: 0, count: size * count)
    try check(H5Dread(id, memory, noiseda_h5_s_all(), noiseda_h5_s_all(), noiseda_h5_p_default(), &bytes), "H5Dread")
    return (0..<count).map { index in
      String(decoding: bytes[index * size..<(index + 1) * size].prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  private func extent(of space: hid_t) throws -> [Int] {
    let rank = try check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims")
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    try check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims")
    return try dims.map { dim in
      guard let extent = Int(exactly: dim) else { throw failure("H5Sget_simple_extent_dims", "has an extent of \(dim); the file is damaged") }
      return extent
    }
  }

  /// Checks the element type and sizes, selects `range` of the first axis (or everything) and
  /// runs the read or write `body(memorySpace, fileSpace)`.
  private func transfer<T: HDF5Element>(
    _: T.Type, range: Range<Int>?, count: Int, call: String, _ body: (hid_t, hid_t) -> herr_t
  ) throws {
    let id = try liveID(call)
    let type = try check(H5Dget_type(id), "H5Dget_type")
    let matches = hdf5Type(type, holds: T.self)
    let stored = hdf5TypeName(type)
    H5Tclose(type)
    guard matches else { throw failure(call, "holds \(stored), expected \(T.hdf5Name)") }
    let fileSpace = try check(H5Dget_space(id), "H5Dget_space")
    defer { H5Sclose(fileSpace) }
    let shape = try extent(of: fileSpace)
    var selected = shape
    if let range {
      guard let first = shape.first, range.lowerBound >= 0, range.upperBound <= first else {
        throw failure(call, "entries \(range) outside the first axis of shape \(shape)")
      }
      selected[0] = range.count
    }
    let expected = selected.reduce(1, *)
    guard count == expected else {
      throw failure(call, "buffer holds \(count) values, the selection of shape \(selected) needs \(expected)")
    }
    if expected == 0 { return }
    guard let range else {
      try check(body(noiseda_h5_s_all(), noiseda_h5_s_all()), call)
      return
    }
    var start = [hsize_t](repeating: 0, count: shape.count)
    start[0] = hsize_t(range.lowerBound)
    let counts = selected.map { hsize_t($0) }
    try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil), "H5Sselect_hyperslab")
    let memorySpace = try check(H5Screate_simple(Int32(counts.count), counts, nil), "H5Screate_simple")
    defer { H5Sclose(memorySpace) }
    try check(body(memorySpace, fileSpace), call)
  }
}
