// HDF5Group: a group — child groups, numeric datasets (optionally chunked, deflated and
// growable along the first axis) and 1-D string datasets. Names may contain `/`; missing
// intermediate groups are created.
import CHDF5
import CShims
import Foundation

/// A group inside an `HDF5File` (the root group `/` holds the file's attributes).
public final class HDF5Group: HDF5Object {
  /// Whether a link `name` (group or dataset, possibly a nested path) exists here.
  public func contains(_ name: String) throws -> Bool {
    let id = try liveID("H5Lexists")
    var prefix = ""
    for part in name.split(separator: "/") {
      prefix += prefix.isEmpty ? String(part) : "/" + part
      if H5Lexists(id, prefix, noiseda_h5_p_default()) <= 0 { return false }
    }
    return !prefix.isEmpty
  }

  /// Names of the direct children (groups and datasets), in name order.
  public func childNames() throws -> [String] {
    let id = try liveID("H5Gget_info")
    var info = H5G_info_t()
    try check(H5Gget_info(id, &info), "H5Gget_info")
    return try (0..<info.nlinks).map { index in
      let length = try check(
        H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, noiseda_h5_p_default()),
        "H5Lget_name_by_idx")
      var buffer = [CChar](repeating: 0, count: Int(length) + 1)
      try check(
        H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, noiseda_h5_p_default()),
        "H5Lget_name_by_idx")
      return String(cString: buffer)
    }
  }

  /// Whether the child `name` is a dataset (false for a group; an error when missing).
  public func isDataset(_ name: String) throws -> Bool {
    let object = try check(H5Oopen(liveID("H5Oopen"), name, noiseda_h5_p_default()), "H5Oopen", childPath(name))
    defer { H5Oclose(object) }
    return H5Iget_type(object) == H5I_DATASET
  }

  /// Creates the child group `name`.
  public func createGroup(_ name: String) throws -> HDF5Group {
    let parent = try liveID("H5Gcreate2")
    let links = try linkCreationList()
    defer { H5Pclose(links) }
    let id = try file.register("H5Gcreate2", childPath(name)) { _ in
      H5Gcreate2(parent, name, links, noiseda_h5_p_default(), noiseda_h5_p_default())
    }
    return HDF5Group(file: file, id: id, path: childPath(name))
  }

  /// Opens the existing child group `name`.
  public func group(_ name: String) throws -> HDF5Group {
    let parent = try liveID("H5Gopen2")
    let id = try file.register("H5Gopen2", childPath(name)) { _ in H5Gopen2(parent, name, noiseda_h5_p_default()) }
    return HDF5Group(file: file, id: id, path: childPath(name))
  }

  /// Opens the existing dataset `name`.
  public func dataset(_ name: String) throws -> HDF5Dataset {
    let parent = try liveID("H5Dopen2")
    let id = try file.register("H5Dopen2", childPath(name)) { _ in H5Dopen2(parent, name, noiseda_h5_p_default()) }
    return HDF5Dataset(file: file, id: id, path: childPath(name))
  }

  /// Creates a dataset of `T` with `shape` (`[]` for a scalar), filled with zeros.
  /// - Parameters:
  ///   - chunk: chunk shape (same rank); defaults to one first-axis entry per chunk when
  ///     chunking is needed (`deflate` or `growable`), else contiguous storage.
  ///   - deflate: zlib level 0-9, or nil for no compression.
  ///   - growable: the first axis may later grow with `HDF5Dataset.resize(firstAxis:)`.
  public func createDataset<T: HDF5Element>(
    _ name: String, of _: T.Type, shape: [Int], chunk: [Int]? = nil, deflate: Int? = nil, growable: Bool = false
  ) throws -> HDF5Dataset {
    let object = childPath(name)
    let parent = try liveID("H5Dcreate2")
    if growable && shape.isEmpty { throw failure("H5Dcreate2", "a scalar dataset cannot grow", object) }
    if shape.contains(where: { $0 < 0 }) { throw failure("H5Dcreate2", "negative extent in shape \(shape)", object) }
    if let level = deflate, !(0...9).contains(level) {
      throw failure("H5Pset_deflate", "deflate level \(level) is outside 0...9", object)
    }
    var chunkShape = chunk
    if chunkShape == nil && (deflate != nil || growable) && !shape.isEmpty {
      chunkShape = [1] + shape.dropFirst().map { max($0, 1) }
    }
    if let chunkShape, chunkShape.count != shape.count || chunkShape.contains(where: { $0 < 1 }) {
      throw failure("H5Pset_chunk", "chunk \(chunkShape) does not fit shape \(shape)", object)
    }
    let dims = shape.map { hsize_t($0) }
    var maxDims = dims
    if growable { maxDims[0] = noiseda_h5_s_unlimited() }
    let space = try check(
      shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), dims, maxDims), "H5Screate_simple", object)
    defer { H5Sclose(space) }
    let creation = try check(H5Pcreate(noiseda_h5_p_dataset_create()), "H5Pcreate", object)
    defer { H5Pclose(creation) }
    if let chunkShape {
      try check(H5Pset_chunk(creation, Int32(chunkShape.count), chunkShape.map { hsize_t($0) }), "H5Pset_chunk", object)
    }
    if let level = deflate { try check(H5Pset_deflate(creation, UInt32(level)), "H5Pset_deflate", object) }
    let links = try linkCreationList()
    defer { H5Pclose(links) }
    let id = try file.register("H5Dcreate2", object) { _ in
      H5Dcreate2(parent, name, T.hdf5Type, space, links, creation, noiseda_h5_p_default())
    }
    return HDF5Dataset(file: file, id: id, path: object)
  }

  /// Creates a dataset of `T` holding `values` (row-major, `shape.reduce(1, *)` of them).
  @discardableResult
  public func createDataset<T: HDF5Element>(
    _ name: String, values: [T], shape: [Int], chunk: [Int]? = nil, deflate: Int? = nil
  ) throws -> HDF5Dataset {
    let dataset = try createDataset(name, of: T.self, shape: shape, chunk: chunk, deflate: deflate)
    try dataset.write(values)
    return dataset
  }

  /// Creates the 1-D variable-length UTF-8 string dataset `name` holding `strings`
  /// (h5py: `f[name].asstr()[...]`).
  @discardableResult
  public func createStringDataset(_ name: String, _ strings: [String]) throws -> HDF5Dataset {
    let object = childPath(name)
    let parent = try liveID("H5Dcreate2")
    let type = makeVariableStringType()
    defer { H5Tclose(type) }
    let space = try check(H5Screate_simple(1, [hsize_t(strings.count)], nil), "H5Screate_simple", object)
    defer { H5Sclose(space) }
    let links = try linkCreationList()
    defer { H5Pclose(links) }
    let id = try file.register("H5Dcreate2", object) { _ in
      H5Dcreate2(parent, name, type, space, links, noiseda_h5_p_default(), noiseda_h5_p_default())
    }
    let dataset = HDF5Dataset(file: file, id: id, path: object)
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer<CChar>($0) }
    if !strings.isEmpty {
      try check(H5Dwrite(id, type, noiseda_h5_s_all(), noiseda_h5_s_all(), noiseda_h5_p_default(), &pointers), "H5Dwrite", object)
    }
    return dataset
  }

  private func linkCreationList() throws -> hid_t {
    let list = try check(H5Pcreate(noiseda_h5_p_link_create()), "H5Pcreate")
    H5Pset_create_intermediate_group(list, 1)
    return list
  }
}
