// Safetensors: the weight format PyTorch users load with `safetensors.torch.load_file` —
// an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
// padded with spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes.
// NoiseDA writes float32 ("F32") tensors and reads them back through SafetensorsFile.
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
      // The system's reason (a full disk, a missing folder) rather than Foundation's wrapper of it.
      let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }
      let cause = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : nil }
        ?? error.localizedDescription
      throw LayersError.weightFile(path: path, reason: "cannot be written (\(cause)); nothing was left behind: check that the folder exists, is writable and has room")
    }
  }

  /// Reads every tensor of a float32 safetensors file, in file order of their data.
  public static func read(_ path: String) throws -> [(String, Tensor)] {
    let file = try SafetensorsFile(path)
    return try file.names.map { name in
      guard file.entries[name]!.dtype == "F32" else {
        throw LayersError.weightFile(path: path, reason: "tensor '\(name)' is \(file.entries[name]!.dtype), only F32 is supported; convert it to float32")
      }
      return (name, try file.tensor(name))
    }
  }
}
