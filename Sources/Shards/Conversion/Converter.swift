// Converter: the work of `noiseda convert`. Every rank lists the same sorted source items and
// converts every worldSize-th one into its own shards (`KIND-rRRR-NNNNN.h5`), each ending at an
// image boundary and written under a temporary name. A shard from an earlier run is kept when
// it is valid (and unchanged since that run's manifest) and was made with the same options from
// the same items. Within a rank, items are decoded and degraded a batch at a time on
// `Threading.count` threads; writing stays in order.
// After the barrier, rank 0 gathers the ranks' reports (JSON files in a per-run folder) and
// writes manifest.json.
import Foundation
import HDF5Files
import Kernels
import Tensors

/// What one rank (or, on rank 0 after gathering, the whole run) produced.
public struct ConversionReport: Codable, Equatable, Sendable {
  /// Shards written or kept, in file-name order.
  public var shards: [ShardFileInfo]
  /// Source files that could not be used, with the reason.
  public var skipped: [SkippedSource]
  /// Source files that were used although their decoder warned (e.g. extraneous JPEG bytes).
  public var warnings: [SkippedSource] = []
  /// How many of `shards` were kept from an earlier run.
  public var reused: Int
  /// Source items handled.
  public var items: Int

  /// Samples in all shards.
  public var count: Int { shards.reduce(0) { $0 + $1.count } }
}

/// Converts raw dataset files into shards; see the file comment for the parallel scheme.
public final class Converter {
  public let options: ConversionOptions
  /// Folder where ranks leave their reports for rank 0 (`OUT/.convert-RUNID`).
  public let syncFolder: String
  private let log: (String) -> Void

  /// - Parameters:
  ///   - runID: the same string on every rank of one launch (the MPI job id), so that reports of
  ///     an earlier, interrupted launch are never mistaken for this one's.
  ///   - log: receives one line per shard and the summary.
  public init(options: ConversionOptions, runID: String, log: @escaping (String) -> Void = { print($0) }) {
    self.options = options
    self.syncFolder = URL(fileURLWithPath: options.output).appendingPathComponent(".convert-\(runID)").path
    self.log = log
  }

  /// Converts this rank's share; on rank 0, waits at `barrier` for the others, then writes the
  /// manifest and returns the merged report (other ranks return their own).
  /// Throws `ConversionError.nothingConverted` on rank 0 when no sample was produced at all.
  public func run(rank: Int, worldSize: Int, barrier: () throws -> Void) throws -> ConversionReport {
    precondition(rank >= 0 && rank < worldSize, "Converter: rank \(rank) outside 0..<\(worldSize)")
    try options.validate()
    try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: syncFolder, withIntermediateDirectories: true)
    let found = try options.layout.items(
      root: options.input, target: options.target, list: options.list,
      singleAreDegraded: options.kind == .real && options.degradation == nil)
    // Shards without inputs read only the clean half of each item, each clean file once (RESIDE
    // shares one clear image among ten hazy ones).
    var seen = Set<String>()
    let items = options.storesInput ? found.items : found.items.compactMap { item in
      item.clean.flatMap { seen.insert($0).inserted ? SourceItem(degraded: nil, clean: $0) : nil }
    }
    let mine = Array(Swift.stride(from: rank, to: items.count, by: worldSize))
    var report = try convert(items, indices: mine, rank: rank, worldSize: worldSize)
    if rank == 0 { report.skipped = found.unmatched + report.skipped }

    let encoder = JSONEncoder()
    let reportPath = URL(fileURLWithPath: syncFolder).appendingPathComponent("rank-\(rank).json")
    try encoder.encode(report).write(to: reportPath, options: .atomic)
    try barrier()
    guard rank == 0 else { return report }
    return try gather(worldSize: worldSize, items: items.count)
  }

  // MARK: One rank's shards

  private func convert(_ items: [SourceItem], indices: [Int], rank: Int, worldSize: Int) throws -> ConversionReport {
    let fingerprint = options.fingerprint(items: items, rank: rank, worldSize: worldSize)
    var report = ConversionReport(shards: [], skipped: [], reused: 0, items: indices.count)
    var position = 0
    var shardIndex = 0
    // Decoded (and degraded) items ahead of `position`, by position.
    var ready: [Int: Result<PreparedItem, SkipReason>] = [:]
    // What the last finished run's manifest recorded of each shard (size, SHA-256).
    let listed = (try? ShardManifest.read(folder: options.output))?.shards ?? []
    while position < indices.count {
      let path = shardPath(rank: rank, index: shardIndex)
      let name = URL(fileURLWithPath: path).lastPathComponent
      if let kept = reusableShard(path, listed: listed.first { $0.file == name }, fingerprint: fingerprint, first: position) {
        report.shards.append(kept.info)
        report.skipped += kept.skipped
        report.reused += 1
        log("rank \(rank): kept \(kept.info.file) (\(kept.info.count) samples, unchanged)")
        position = kept.end
        ready = ready.filter { $0.key >= position }
        shardIndex += 1
        continue
      }
      let writer = try ShardWriter(path: path, kind: options.kind, task: options.task, tile: options.tile,
                                   storesInput: options.storesInput, storesTarget: options.storesTarget, deflate: options.deflate)
      let first = position
      var skipped: [SkippedSource] = []
      do {
        while position < indices.count {
          let item = items[indices[position]]
          if ready[position] == nil { ready = prepare(items, indices, from: position) }
          let prepared: PreparedItem
          switch ready[position]! {
          case .failure(let reason):
            skipped.append(SkippedSource(path: item.label, reason: reason.text))
            ready[position] = nil
            position += 1
            continue
          case .success(let decoded):
            prepared = decoded
          }
          if writer.count > 0 && writer.count + prepared.samples.count > options.shardSize { break }
          ready[position] = nil
          report.warnings += prepared.warnings
          for sample in prepared.samples { try writer.append(input: sample.input, target: sample.target, source: item.label) }
          position += 1
        }
        report.skipped += skipped
        if writer.count == 0 {
          writer.abandon()
          break
        }
        try writer.setAttribute("conversion", fingerprint)
        try writer.setAttribute("first_item", first)
        try writer.setAttribute("end_item", position)
        try writer.setAttribute("skipped", String(decoding: try JSONEncoder().encode(skipped), as: UTF8.self))
        let info = try writer.commit()
        report.shards.append(info)
        log("rank \(rank): wrote \(info.file) (\(info.count) samples from \(position - first) items)")
      } catch {
        writer.abandon()
        throw error
      }
      shardIndex += 1
    }
    return report
  }

  /// The samples of the next batch of items from `position` on (a few per thread), computed in
  /// parallel.
  private func prepare(_ items: [SourceItem], _ indices: [Int], from position: Int) -> [Int: Result<PreparedItem, SkipReason>] {
    let batch = Array(position..<min(indices.count, position + 2 * Threading.count))
    var results = [Result<PreparedItem, SkipReason>?](repeating: nil, count: batch.count)
    let lock = NSLock()
    Threading.forEach(batch.count) { slot in
      let index = indices[batch[slot]]
      let result: Result<PreparedItem, SkipReason>
      do {
        result = .success(try samples(items[index], stream: index))
      } catch let reason as SkipReason {
        result = .failure(reason)
      } catch {
        result = .failure(SkipReason(text: "\(error)"))
      }
      lock.lock()
      results[slot] = result
      lock.unlock()
    }
    return Dictionary(uniqueKeysWithValues: zip(batch, results.map { $0! }))
  }

  /// The samples of one source item (whole images for `val`, else its tiles) and its decoders'
  /// warnings. Throws `SkipReason` when the item cannot be used.
  private func samples(_ item: SourceItem, stream: Int) throws -> PreparedItem {
    var degraded: RGBImage?
    var clean: RGBImage?
    var warnings: [SkippedSource] = []
    do {
      let read = { (path: String) throws -> RGBImage in
        let decoded = try ImageFile.read(path, maxPixels: self.options.maxPixels)
        warnings += decoded.warnings.map { SkippedSource(path: path, reason: $0) }
        return decoded.image
      }
      degraded = try item.degraded.map(read)
      clean = try item.clean.map(read)
    } catch {
      throw SkipReason(text: "\(error)")
    }
    if let degraded, let clean, degraded.width != clean.width || degraded.height != clean.height {
      throw SkipReason(text: "degraded \(degraded.width)×\(degraded.height) and clean \(clean.width)×\(clean.height) differ in size")
    }
    if let side = options.resize {
      let crop = ResizeCrop(side: side)
      degraded = degraded.map { crop.apply(FloatImage($0)).quantized() }
      clean = clean.map { crop.apply(FloatImage($0)).quantized() }
    }
    if let degradation = options.degradation, let clean {
      var rng = PhiloxRandom(seed: options.seed, stream: UInt64(stream))
      degraded = degradation.apply(FloatImage(clean), using: &rng).quantized()
    }
    let input = options.storesInput ? degraded : nil
    let target = options.storesTarget ? clean : nil
    if options.storesInput && input == nil || options.storesTarget && target == nil {
      throw SkipReason(text: "has no \(input == nil ? "degraded" : "clean") image for a \(options.kind.rawValue) shard")
    }
    guard options.kind.isTiled else { return PreparedItem(samples: [(input, target)], warnings: warnings) }
    let cutter = TileCutter(tile: options.tile, stride: options.stride, small: options.small)
    let reference = (input ?? target)!
    guard cutter.accepts(reference) else {
      throw SkipReason(text: "\(reference.width)×\(reference.height) is smaller than the \(options.tile) tile (--small skip)")
    }
    let inputs = input.map(cutter.tiles)
    let targets = target.map(cutter.tiles)
    let count = (inputs ?? targets)!.count
    return PreparedItem(samples: (0..<count).map { (inputs?[$0], targets?[$0]) }, warnings: warnings)
  }

  /// A finished shard at `path` made with the same options, starting at item `first`, or nil. A
  /// shard the last manifest lists must still have its size and SHA-256 before libhdf5 opens it
  /// (libhdf5 can crash on a damaged file).
  private func reusableShard(_ path: String, listed: ShardFileInfo?, fingerprint: String, first: Int)
    -> (info: ShardFileInfo, end: Int, skipped: [SkippedSource])? {
    let opened = listed.map { try? ShardSet.open($0, in: options.output, verifyChecksum: true) } ?? (try? ShardReader(path: path))
    guard FileManager.default.fileExists(atPath: path), let reader = opened,
          reader.kind == options.kind, let file = try? HDF5File.open(path), let root = try? file.root,
          (try? root.stringAttribute("conversion")) == fingerprint, (try? root.intAttribute("first_item")) == first,
          let end = try? root.intAttribute("end_item"), end > first,
          let skippedJSON = try? root.stringAttribute("skipped"),
          let skipped = try? JSONDecoder().decode([SkippedSource].self, from: Data(skippedJSON.utf8)),
          (try? reader.sample(reader.count - 1)) != nil,
          let info = try? ShardWriter.describe(path: path, kind: reader.kind, count: reader.count)
    else { return nil }
    return (info, end, skipped)
  }

  private func shardPath(rank: Int, index: Int) -> String {
    let name = "\(options.kind.rawValue)-r\(zeroPadded(rank, 3))-\(zeroPadded(index, 5)).h5"
    return URL(fileURLWithPath: options.output).appendingPathComponent(name).path
  }

  // MARK: Rank 0 after the barrier

  private func gather(worldSize: Int, items: Int) throws -> ConversionReport {
    var merged = ConversionReport(shards: [], skipped: [], reused: 0, items: 0)
    for rank in 0..<worldSize {
      let path = URL(fileURLWithPath: syncFolder).appendingPathComponent("rank-\(rank).json").path
      guard let data = FileManager.default.contents(atPath: path),
            let report = try? JSONDecoder().decode(ConversionReport.self, from: data) else {
        throw ConversionError.rankSetup("rank \(rank)'s report \(path) is missing after the barrier; is --out on a shared file system?")
      }
      merged.shards += report.shards
      merged.skipped += report.skipped
      merged.warnings += report.warnings
      merged.reused += report.reused
      merged.items += report.items
    }
    merged.shards.sort { $0.file < $1.file }
    try? FileManager.default.removeItem(atPath: syncFolder)
    guard merged.count > 0 else {
      throw ConversionError.nothingConverted(items: items, skipped: merged.skipped.count, firstReason: merged.skipped.first.map { "\($0.path): \($0.reason)" } ?? "no source files found")
    }
    let manifest = ShardManifest(kind: options.kind, task: options.task, tile: options.kind.isTiled ? options.tile : 0,
                                 shards: merged.shards, skipped: merged.skipped)
    try manifest.write(folder: options.output)
    removeStaleShards(keeping: Set(merged.shards.map(\.file)))
    log("wrote \(merged.shards.count) shards (\(merged.reused) kept from an earlier run), \(merged.count) samples, \(merged.skipped.count) files skipped")
    return merged
  }

  /// Deletes shard files of an earlier run (same naming scheme) that the new manifest does not
  /// list, and report folders left by interrupted launches.
  private func removeStaleShards(keeping: Set<String>) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: options.output)) ?? []
    let pattern = try! NSRegularExpression(pattern: "^((pairs|real|clean|val)-r[0-9]{3}-[0-9]{5}\\.h5|\\.convert-.+)$")
    for name in names where !keeping.contains(name) {
      if pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil {
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: options.output).appendingPathComponent(name).path)
      }
    }
  }
}

/// One stored sample: a degraded and/or a clean image of the same size.
typealias Sample = (input: RGBImage?, target: RGBImage?)

/// One source item's samples and its decoders' warnings (by file).
struct PreparedItem {
  let samples: [Sample]
  let warnings: [SkippedSource]
}

/// Why one source item was skipped (becomes a `SkippedSource`).
struct SkipReason: Error {
  let text: String
}
