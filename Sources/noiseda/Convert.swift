// `noiseda convert`: raw dataset folders → HDF5 shards + manifest.json (docs/data-format.md).
// Under mpirun each rank converts its own slice; rank and size come from Open MPI's environment
// and rank 0 writes the manifest once every rank's report file is in place.
import ArgumentParser
import Comm
import Foundation
import Shards

struct Convert: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Convert a raw image dataset into HDF5 shards (parallel under mpirun).",
    discussion: """
      Layouts: \(DatasetLayout.allCases.map(\.rawValue).joined(separator: ", ")).

      Kinds: pairs (degraded + clean tiles; clean only when a single-image layout has no \
      --degrade, for on-the-fly noise), real (degraded tiles, no labels), clean (clean tiles), \
      val (whole images with ground truth).

      Unreadable files (corrupt, not a regular file, a dangling link, above --max-megapixels) \
      are skipped and listed, files decoded with a warning listed too; the command fails only \
      when nothing could be converted. EXIF orientation is applied. Re-running keeps shards that are complete and unchanged. See docs/data-format.md.
      """)

  @Option(help: "Raw layout: \(DatasetLayout.allCases.map(\.rawValue).joined(separator: "|")).")
  var layout: String
  @Option(help: "Dataset root (the degraded folder for paired-folders).")
  var input: String
  @Option(help: "Clean folder (paired-folders only).")
  var target: String?
  @Option(help: "List file, relative to --input or absolute: gt/blur pairs (realblur), or the files to take (imagenet).")
  var list: String?
  @Option(help: "Shard kind: pairs|real|clean|val.")
  var kind: String
  @Option(help: "Task name stored in the shards (denoise, derain, deblur, ...).")
  var task: String = "denoise"
  @Option(help: "Tile side in pixels for training kinds.")
  var tile: Int = 256
  @Option(help: "Step between tiles (default: the tile side).")
  var stride: Int?
  @Option(help: "Images smaller than a tile: reflect (pad) or skip.")
  var small: String = SmallImagePolicy.reflect.rawValue
  @Option(name: .customLong("shard-size"), help: "Maximum samples per shard.")
  var shardSize: Int = 1000
  @Option(help: "Output folder.")
  var out: String
  @Option(help: "Degradation making the degraded images from clean ones, e.g. awgn:25, camera, rain, blur:motion, haze.")
  var degrade: String?
  @Option(help: "Seed for --degrade.")
  var seed: UInt64 = 0
  @Option(help: "zlib level 0-9 for image chunks (default: no compression).")
  var deflate: Int?
  @Option(help: "Resize the shorter side to N (antialiased bilinear) and keep the centre N×N, before degrading and tiling (ImageNet-style, e.g. 256).")
  var resize: Int?
  @OptionGroup var limits: ImageLimitOptions

  func validate() throws {
    guard DatasetLayout(rawValue: layout) != nil else {
      throw ValidationError("unknown --layout '\(layout)'; use one of \(DatasetLayout.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard ShardKind(rawValue: kind) != nil else {
      throw ValidationError("unknown --kind '\(kind)'; use one of \(ShardKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard SmallImagePolicy(rawValue: small) != nil else { throw ValidationError("--small must be reflect or skip") }
    do {
      try options().validate()
    } catch let error as ConversionError {
      throw ValidationError(error.description)
    }
  }

  func run() throws {
    let launch = LaunchEnvironment()
    let (rank, worldSize) = (launch.rank, launch.size)
    guard let runID = launch.jobID else {
      throw ValidationError("\(worldSize) ranks but no job id in the environment (OMPI_MCA_ess_base_jobid, PMIX_NAMESPACE or SLURM_JOB_ID); launch with mpirun or srun")
    }
    let converter = Converter(options: try options(), runID: runID) { line in print(line) }
    let barrier = FileArrivalBarrier(folder: converter.syncFolder, rank: rank, worldSize: worldSize)
    let report = try converter.run(rank: rank, worldSize: worldSize, barrier: barrier.wait)
    guard rank == 0 else { return }
    for warned in report.warnings { print("converted with a warning \(warned.path): \(warned.reason)") }
    for skipped in report.skipped { print("skipped \(skipped.path): \(skipped.reason)") }
    print("\(out): \(report.shards.count) shards, \(report.count) \(kind) samples from \(report.items) items, \(report.skipped.count) skipped")
  }

  private func options() throws -> ConversionOptions {
    ConversionOptions(
      layout: DatasetLayout(rawValue: layout)!, input: input, target: target, list: list, kind: ShardKind(rawValue: kind)!,
      task: task, tile: tile, stride: stride, small: SmallImagePolicy(rawValue: small)!, shardSize: shardSize, output: out,
      degradation: try degrade.map(ConversionOptions.degradation(forOption:)), seed: seed, deflate: deflate, resize: resize,
      maxPixels: limits.maxPixels)
  }
}
