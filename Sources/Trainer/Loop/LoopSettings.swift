// LoopSettings: the training loop's own keys (`train.*`, `optim.grad_clip`, `dist.*`, `debug.*`,
// `data.val`), read once when a run is set up — on every rank, so that the check for keys nobody
// reads (SettingsUse) sees the same reads everywhere.
import Methods

/// The cadences, limits and fault injection of the step loop.
struct LoopSettings {
  let totalSteps: Int
  let logEvery: Int
  let valEvery: Int
  let checkpointEvery: Int
  let keepLast: Int
  let verifyEvery: Int
  let diagnosticsEvery: Int
  let maxBadSteps: Int
  let gradientClip: Float
  let bucketBytes: Int
  /// Validation shard folder ("" for none).
  let validationFolder: String
  /// Steps (counted from 1) whose loss this rank poisons with NaN (`debug.nan_steps`).
  let poisonedSteps: Set<Int>

  init(_ s: ConfigReading, rank: Int) {
    totalSteps = s.int("train.steps")
    logEvery = max(s.int("train.log_every"), 1)
    valEvery = s.int("train.val_every")
    checkpointEvery = s.int("train.checkpoint_every")
    keepLast = s.int("train.keep_last")
    verifyEvery = s.int("train.verify_every")
    diagnosticsEvery = s.int("train.diagnostics_every")
    maxBadSteps = max(s.int("train.max_bad_steps"), 1)
    gradientClip = Float(s.double("optim.grad_clip"))
    bucketBytes = Int(s.double("dist.bucket_mb") * 1_048_576)
    validationFolder = s.string("data.val")
    let nanSteps = s.ints("debug.nan_steps")
    poisonedSteps = rank == s.int("debug.nan_rank") ? Set(nanSteps) : []
  }
}
