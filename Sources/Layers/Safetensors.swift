// Safetensors: the weight format PyTorch users load with `safetensors.torch.load_file` —
// an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
// padded with spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes.
// NoiseDA writes and reads float32 ("F32") tensors only.
import Foundation
import Tensors

/// Reading and writing `.safetensors` files of named float32 tensors.
public enum Safetensors {
  /// Writes `tensors` (in order) to `path`, with optional string `metadata`.
  public static func write(_ tensors: [(String, Tensor)], to path: String, metadata: [String: String] = [:]) throws {
    func quoted(_ s: String) -> String {
      var out = "\""
      for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
        default: out.unicodeScalars.append(c)
        }
      }
      return out + "\""
    }
    var fields: [String] = []
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
      fields.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
    }
    var offset = 0
    for (name, t) in tensors {
      let bytes = t.count * 4
      fields.append(
        "\(quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
      offset += bytes
    }
    var header = Array(("{" + fields.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for (_, t) in tensors { data.append(UnsafeBufferPointer(start: t.data, count: t.count)) }
    do {
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw LayersError.weightFile(path: path, reason: "cannot write (\(error.localizedDescription)); check the folder exists and is writable")
    }
  }

  /// Reads every tensor of a float32 safetensors file, in file order of their data.
  public static func read(_ path: String) throws -> [(String, Tensor)] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw LayersError.weightFile(path: path, reason: "cannot read the file; check the path")
    }
    func bad(_ why: String) -> LayersError {
      LayersError.weightFile(path: path, reason: "not a valid safetensors file (\(why)); export it again with noiseda export")
    }
    guard data.count >= 8 else { throw bad("shorter than its 8-byte header length") }
    let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
    guard headerLength <= data.count - 8,
      let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
    else { throw bad("unreadable JSON header") }
    let base = 8 + headerLength
    var out: [(String, Tensor, Int)] = []
    for (name, value) in header where name != "__metadata__" {
      guard let entry = value as? [String: Any], let shape = entry["shape"] as? [Int],
        let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
      else { throw bad("entry '\(name)' lacks shape or data_offsets") }
      guard entry["dtype"] as? String == "F32" else {
        throw LayersError.weightFile(path: path, reason: "tensor '\(name)' is \(entry["dtype"] ?? "?"), only F32 is supported; convert it to float32")
      }
      let count = shape.reduce(1, *)
      guard offsets[1] - offsets[0] == count * 4, offsets[0] >= 0, base + offsets[1] <= data.count else {
        throw bad("tensor '\(name)' has data_offsets \(offsets) that do not fit shape \(shape) and the file size")
      }
      let t = Tensor(uninitialized: shape)
      data.withUnsafeBytes { raw in
        UnsafeMutableRawPointer(t.data).copyMemory(from: raw.baseAddress! + base + offsets[0], byteCount: count * 4)
      }
      out.append((name, t, offsets[0]))
    }
    return out.sorted { $0.2 < $1.2 }.map { ($0.0, $0.1) }
  }
}
