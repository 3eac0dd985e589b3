// CheckpointChecksum: the proof that a checkpoint holds what was written — its seal
// (HDF5FileSeal: the XXH64 of every byte of the file after its first 512, stored in those 512
// bytes, which libhdf5 and h5py skip). One checksum per file rather than per dataset: a
// checkpoint is trusted or refused whole, since every reader (resume, eval, restore, sample,
// solve, export) must refuse damage anywhere, even in parts it does not load (a flipped byte in
// the Adam moments spoils a resumed run, not an export); and a checksum of the bytes, checked
// before libhdf5 parses any of them, also covers libhdf5's own metadata, where one flipped byte
// can crash or hang libhdf5 1.10 and where a per-dataset checksum would sit out of reach. A
// checkpoint written before seals has none; it is read with a one-line warning.
import Foundation
import HDF5Files

extension Checkpoint {
  /// Checks the checkpoint at `path` against its seal, reading all of it. Throws a one-line
  /// error naming the file when it is damaged; returns a warning for a checkpoint written before
  /// seals, nil for an intact one.
  public static func verify(_ path: String) throws -> String? {
    guard FileManager.default.fileExists(atPath: path) else {
      throw TrainerError.checkpoint(path: path, reason: "does not exist; pass a step-N.h5 or best.h5 from a run folder")
    }
    switch try HDF5FileSeal.check(path) {
    case .intact:
      return nil
    case .unsealed:
      return "warning: checkpoint \(path) carries no checksum (written before NoiseDA sealed its checkpoints), so damage in it would go unnoticed; a run resumed from it writes sealed ones"
    case .damaged(let why):
      throw TrainerError.checkpoint(path: path, reason: "is damaged: \(why); use another checkpoint of the run")
    }
  }
}
