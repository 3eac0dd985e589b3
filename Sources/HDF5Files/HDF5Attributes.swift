// HDF5Attributes: scalar attributes (string, integer, floating point) on groups and datasets
// (a stored attribute that is not one value, as in a damaged file, is an error).
// Strings are written as variable-length UTF-8 (h5py reads them as `str`); reading accepts
// fixed-length strings too, as other tools write them.
import CHDF5
import CShims

extension HDF5Object {
  /// Whether an attribute `name` exists on this object.
  public func hasAttribute(_ name: String) throws -> Bool {
    try check(H5Aexists(liveID("H5Aexists"), name), "H5Aexists", attributeLabel(name)) > 0
  }

  /// Sets the string attribute `name` (replacing any old value).
  public func setAttribute(_ name: String, _ value: String) throws {
    let type = makeVariableStringType()
    defer { H5Tclose(type) }
    try writeAttribute(name, type: type) { attribute in
      value.withCString { text in
        var pointer: UnsafePointer<CChar>? = text
        return H5Awrite(attribute, type, &pointer)
      }
    }
  }

  /// Sets the integer attribute `name`, stored as int64.
  public func setAttribute(_ name: String, _ value: Int) throws {
    var stored = Int64(value)
    try writeAttribute(name, type: Int64.hdf5Type) { H5Awrite($0, Int64.hdf5Type, &stored) }
  }

  /// Sets the floating-point attribute `name`, stored as float64.
  public func setAttribute(_ name: String, _ value: Double) throws {
    var stored = value
    try writeAttribute(name, type: Double.hdf5Type) { H5Awrite($0, Double.hdf5Type, &stored) }
  }

  /// The string attribute `name`; an error names the attribute when missing or not a string.
  public func stringAttribute(_ name: String) throws -> String {
    try readAttribute(name) { attribute, type in
      guard H5Tget_class(type) == H5T_STRING else {
        throw failure("H5Aread", "holds \(hdf5TypeName(type)), expected a string", attributeLabel(name))
      }
      if H5Tis_variable_str(type) > 0 {
        let memory = makeVariableStringType()
        defer { H5Tclose(memory) }
        var pointer: UnsafeMutablePointer<CChar>? = nil
        try check(H5Aread(attribute, memory, &pointer), "H5Aread", attributeLabel(name))
        defer { H5free_memory(pointer) }
        return pointer.map { String(cString: $0) } ?? ""
      }
      // One more byte than stored: a null-terminated memory type keeps its last byte for the
      // terminator, and a null-padded file string may use every byte.
      let size = H5Tget_size(type) + 1
      let memory = H5Tcopy(noiseda_h5_c_s1())
      defer { H5Tclose(memory) }
      H5Tset_size(memory, size)
      var bytes = [UInt8](repeating: 0, count: size)
      try check(H5Aread(attribute, memory, &bytes), "H5Aread", attributeLabel(name))
      return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  /// The integer attribute `name` (any stored integer width).
  public func intAttribute(_ name: String) throws -> Int {
    try readAttribute(name) { attribute, type in
      guard H5Tget_class(type) == H5T_INTEGER else {
        throw failure("H5Aread", "holds \(hdf5TypeName(type)), expected an integer", attributeLabel(name))
      }
      var value: Int64 = 0
      try check(H5Aread(attribute, Int64.hdf5Type, &value), "H5Aread", attributeLabel(name))
      return Int(value)
    }
  }

  /// The floating-point attribute `name` (a stored integer is converted).
  public func doubleAttribute(_ name: String) throws -> Double {
    try readAttribute(name) { attribute, type in
      let typeClass = H5Tget_class(type)
      guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
        throw failure("H5Aread", "holds \(hdf5TypeName(type)), expected a number", attributeLabel(name))
      }
      var value: Double = 0
      try check(H5Aread(attribute, Double.hdf5Type, &value), "H5Aread", attributeLabel(name))
      return value
    }
  }

  private func attributeLabel(_ name: String) -> String { "attribute '\(name)' of \(path)" }

  private func writeAttribute(_ name: String, type: hid_t, _ write: (hid_t) -> herr_t) throws {
    let label = attributeLabel(name)
    let id = try liveID("H5Acreate2")
    if try hasAttribute(name) { try check(H5Adelete(id, name), "H5Adelete", label) }
    let space = try check(H5Screate(H5S_SCALAR), "H5Screate", label)
    defer { H5Sclose(space) }
    let attribute = try check(
      H5Acreate2(id, name, type, space, noiseda_h5_p_default(), noiseda_h5_p_default()), "H5Acreate2", label)
    defer { H5Aclose(attribute) }
    try check(write(attribute), "H5Awrite", label)
  }

  private func readAttribute<T>(_ name: String, _ read: (hid_t, hid_t) throws -> T) throws -> T {
    let label = attributeLabel(name)
    guard try hasAttribute(name) else { throw failure("H5Aopen", "no such attribute", label) }
    let attribute = try check(H5Aopen(liveID("H5Aopen"), name, noiseda_h5_p_default()), "H5Aopen", label)
    defer { H5Aclose(attribute) }
    // The readers fill one value: anything else (a damaged file) would overrun it.
    let space = try check(H5Aget_space(attribute), "H5Aget_space", label)
    let points = H5Sget_simple_extent_npoints(space)
    H5Sclose(space)
    guard points == 1 else { throw failure("H5Aread", "holds \(points) values, expected one", label) }
    let type = try check(H5Aget_type(attribute), "H5Aget_type", label)
    defer { H5Tclose(type) }
    return try read(attribute, type)
  }
}
