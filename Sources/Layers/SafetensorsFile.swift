// SafetensorsFile: a `.safetensors` file read whole — its `__metadata__` strings and every tensor's
// dtype, shape and raw little-endian bytes — with typed access: float32 tensors from F32 or BF16
// (widened exactly), float64 and int64 values. `Safetensors.read` (weights) and the PyTorch
// cross-check fixtures read through it.
import Foundation
import Tensors

/// The parsed contents of one safetensors file.
public struct SafetensorsFile {
  /// One stored tensor: dtype as spelled in the header (`F32`, `BF16`, `F64`, `I64`), shape, bytes.
  public struct Entry {
    public let dtype: String
    public let shape: [Int]
    public let bytes: Data
    /// Position of its data in the file (the order tensors were written in).
    public let offset: Int
  }

  public let path: String
  public let metadata: [String: String]
  public let entries: [String: Entry]

  /// Bytes per element of the dtypes this reader knows.
  static let widths = ["F32": 4, "BF16": 2, "F64": 8, "I64": 8]

  /// Reads and checks `path` (header, offsets, sizes); `fix` ends every error message.
  public init(_ path: String, fix: String = "export it again with noiseda export") throws {
    self.path = path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw LayersError.weightFile(path: path, reason: "cannot read the file; check the path")
    }
    func bad(_ why: String) -> LayersError { LayersError.weightFile(path: path, reason: "not a valid safetensors file (\(why)); \(fix)") }
    guard data.count >= 8 else { throw bad("shorter than its 8-byte header length") }
    let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
    guard length <= data.count - 8,
      let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any]
    else { throw bad("unreadable JSON header") }
    metadata = header["__metadata__"] as? [String: String] ?? [:]
    let base = 8 + length
    var entries: [String: Entry] = [:]
    for (name, value) in header where name != "__metadata__" {
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String, let shape = entry["shape"] as? [Int],
        let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
      else { throw bad("entry '\(name)' lacks dtype, shape or data_offsets") }
      guard let width = Self.widths[dtype] else {
        throw LayersError.weightFile(path: path, reason: "tensor '\(name)' is \(dtype); F32, BF16, F64 and I64 are supported, convert it to float32")
      }
      guard offsets[0] >= 0, offsets[1] - offsets[0] == width * shape.reduce(1, *), base + offsets[1] <= data.count else {
        throw bad("tensor '\(name)' has data_offsets \(offsets) that do not fit \(dtype) \(shape) and the file size")
      }
      entries[name] = Entry(dtype: dtype, shape: shape, bytes: data.subdata(in: (base + offsets[0])..<(base + offsets[1])), offset: offsets[0])
    }
    self.entries = entries
  }

  /// Tensor names in the order their data lies in the file.
  public var names: [String] { entries.keys.sorted { entries[$0]!.offset < entries[$1]!.offset } }

  private func entry(_ name: String, _ dtypes: Set<String>) throws -> Entry {
    guard let e = entries[name] else { throw LayersError.weightFile(path: path, reason: "has no tensor '\(name)'") }
    guard dtypes.contains(e.dtype) else {
      throw LayersError.weightFile(path: path, reason: "tensor '\(name)' is \(e.dtype), expected \(dtypes.sorted().joined(separator: " or "))")
    }
    return e
  }

  /// An F32 or BF16 tensor as float32.
  public func tensor(_ name: String) throws -> Tensor {
    let e = try entry(name, ["F32", "BF16"])
    let t = Tensor(uninitialized: e.shape)
    e.bytes.withUnsafeBytes { raw in
      if e.dtype == "F32" {
        UnsafeMutableRawPointer(t.data).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
      } else {
        for i in 0..<t.count {
          t.data[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
        }
      }
    }
    return t
  }

  /// An F64 tensor's values, row-major.
  public func doubles(_ name: String) throws -> [Double] {
    try entry(name, ["F64"]).bytes.withUnsafeBytes { raw in
      (0..<raw.count / 8).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
    }
  }

  /// An I64 tensor's values, row-major.
  public func ints(_ name: String) throws -> [Int] {
    try entry(name, ["I64"]).bytes.withUnsafeBytes { raw in
      (0..<raw.count / 8).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
    }
  }
}
