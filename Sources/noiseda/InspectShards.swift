// `noiseda inspect shards DIR`: what a shard folder holds, shard by shard, with every file
// checked against manifest.json (size, SHA-256, header). Fails when any shard is damaged.
import ArgumentParser
import Shards

struct InspectShards: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shards",
    abstract: "List the shards of a folder (kind, count, tile) and verify their checksums.")

  @Argument(help: "A folder written by `noiseda convert`.")
  var folder: String
  @Flag(help: "Skip the SHA-256 check (sizes and headers are still checked).")
  var noVerify = false

  func run() throws {
    let manifest = try ShardManifest.read(folder: folder)
    let tile = manifest.tile > 0 ? "\(manifest.tile)×\(manifest.tile) tiles" : "whole images"
    print("\(folder): \(manifest.kind.rawValue), task \(manifest.task), \(tile), \(manifest.count) samples in \(manifest.shards.count) shards")
    var damaged = 0
    for info in manifest.shards {
      do {
        let reader = try ShardSet.open(info, in: folder, verifyChecksum: !noVerify)
        let arrays = [reader.hasInput ? "input" : nil, reader.hasTarget ? "target" : nil].compactMap { $0 }.joined(separator: "+")
        print("  \(info.file)  \(reader.kind.rawValue)  count \(reader.count)  tile \(reader.tile)  \(arrays)  \(noVerify ? "size ok" : "sha256 ok")")
      } catch {
        damaged += 1
        print("  \(info.file)  DAMAGED: \(error)")
      }
    }
    if !manifest.skipped.isEmpty { print("\(manifest.skipped.count) source files were skipped at conversion (see manifest.json)") }
    if damaged > 0 {
      print("\(damaged) of \(manifest.shards.count) shards are damaged; \(ShardFormat.regenerate)")
      throw ExitCode.failure
    }
  }
}
