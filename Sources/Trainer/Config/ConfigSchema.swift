// ConfigSchema: every key a run config may hold, with its default and meaning: the trainer's own
// keys here, each method's section from its registry entry (MethodRegistry). A key not listed is
// an error; a value of the wrong type or outside the key's bounds is an error. Defaults follow
// the released Denoising-as-Adaptation code (algorithms.md §1) unless a comment says otherwise.
import Methods

/// The list of settings, in the order `noiseda train --help-config` prints them.
public enum ConfigSchema {
  public static let keys: [ConfigKey] = runKeys + MethodRegistry.configKeys + trainingKeys

  /// The run, the method's name and the network presets (before the methods' own sections).
  static let runKeys: [ConfigKey] = [
    ConfigKey(name: "run.name", defaultValue: .string("run"), help: "run folder name under run.out_dir"),
    ConfigKey(name: "run.out_dir", defaultValue: .string("runs"), help: "where run folders are made"),
    ConfigKey(name: "run.seed", defaultValue: .int(0), help: "seed of every random stream (crops, noise, t, shuffles)"),
    ConfigKey(name: "run.threads", defaultValue: .int(0), help: "threads per rank for OpenBLAS and NoiseDA loops (0: cores / ranks on the host)", bounds: .nonNegative),

    ConfigKey(name: "method.name", defaultValue: .string("vanilla"), help: MethodRegistry.names.joined(separator: " | ")),
    ConfigKey(name: "method.task", defaultValue: .string("denoise"), help: "denoise ([0,1] pixels) | derain | deblur ([-1,1] pixels)"),

    ConfigKey(name: "model.restorer", defaultValue: .string("unet-s"), help: "restorer preset (noiseda inspect model NAME)"),
    ConfigKey(name: "model.diffusion", defaultValue: .string("diffusion-s"), help: "diffusion-net preset (da methods)"),
    ConfigKey(name: "model.diffusion_dropout", defaultValue: .double(0.2), help: "dropout inside the diffusion net's ResBlocks", bounds: .from(0, below: 1)),
  ]

  /// Data, optimiser, loop, distribution and fault injection (after the methods' own sections).
  static let trainingKeys: [ConfigKey] = [

    ConfigKey(name: "data.pairs", defaultValue: .string(""), help: "folder of synthetic-pair shards"),
    ConfigKey(name: "data.real", defaultValue: .string(""), help: "folder of unlabeled real-degraded shards"),
    ConfigKey(name: "data.clean", defaultValue: .string(""), help: "folder of clean-image shards (da-unpaired)"),
    ConfigKey(name: "data.val", defaultValue: .string(""), help: "folder of validation shards (pairs with ground truth)"),
    ConfigKey(name: "data.patch", defaultValue: .int(128), help: "training crop size", bounds: .count),
    ConfigKey(name: "data.batch", defaultValue: .int(8), help: "images per rank per step (global batch = batch × ranks)", bounds: .count),
    ConfigKey(name: "data.sigma_range", defaultValue: .doubles([0, 75]), help: "AWGN σ range on the 0–255 scale, for pairs stored clean only", bounds: .nonNegative),
    ConfigKey(name: "data.degrade", defaultValue: .string(""), help: "for pairs stored clean only: a degradation applied to each training crop on the fly instead of AWGN, spelled as noiseda convert --degrade (e.g. sr4:pool, jpeg:10, blur:i2sb-gauss)"),
    ConfigKey(name: "data.augment", defaultValue: .bool(true), help: "random dihedral transform per training crop (false: identity; with tiles the size of data.patch the crops are then rank-independent, so N ranks × batch B see what 1 rank × batch N·B sees)"),
    ConfigKey(name: "data.prefetch", defaultValue: .int(2), help: "batches prepared ahead by the loader thread", bounds: .count),

    ConfigKey(name: "optim.lr", defaultValue: .double(1e-4), help: "Adam learning rate (denoising config of the released code)", bounds: .positive),
    ConfigKey(name: "optim.beta1", defaultValue: .double(0.9), help: "Adam β1", bounds: .from(0, below: 1)),
    ConfigKey(name: "optim.beta2", defaultValue: .double(0.999), help: "Adam β2", bounds: .from(0, below: 1)),
    ConfigKey(name: "optim.eps", defaultValue: .double(1e-8), help: "Adam ε", bounds: .positive),
    ConfigKey(name: "optim.weight_decay", defaultValue: .double(0), help: "decoupled weight decay (AdamW) when > 0", bounds: .nonNegative),
    ConfigKey(name: "optim.grad_clip", defaultValue: .double(0), help: "global gradient-norm clip per network (0: off)", bounds: .nonNegative),
    ConfigKey(name: "ema.decay", defaultValue: .double(0.9999), help: "EMA decay of the weights of every network that keeps an EMA (rank 0)", bounds: .within(0, 1)),

    ConfigKey(name: "train.steps", defaultValue: .int(1000), help: "optimizer steps to run", bounds: .count),
    ConfigKey(name: "train.log_every", defaultValue: .int(50), help: "steps between metric lines", bounds: .count),
    ConfigKey(name: "train.diagnostics_every", defaultValue: .int(100), help: "every N steps (0: never) log the DA diagnostics: gradient norms reaching the restorer from L_Res and from λ·L_Dif, and how much ε_θ's prediction changes when the real condition is replaced by noise", bounds: .nonNegative),
    ConfigKey(name: "train.val_every", defaultValue: .int(500), help: "steps between validations (0: only at the end)", bounds: .nonNegative),
    ConfigKey(name: "train.checkpoint_every", defaultValue: .int(500), help: "steps between checkpoints (0: only at the end)", bounds: .nonNegative),
    ConfigKey(name: "train.keep_last", defaultValue: .int(3), help: "checkpoints kept besides best", bounds: .nonNegative),
    ConfigKey(name: "train.verify_every", defaultValue: .int(0), help: "steps between checks that every rank holds bit-identical parameters of every network (a checksum all-gather; a mismatch stops the run; 0: only at start)", bounds: .nonNegative),
    ConfigKey(name: "train.max_bad_steps", defaultValue: .int(5), help: "non-finite steps in a row before the run stops", bounds: .count),

    ConfigKey(name: "dist.bucket_mb", defaultValue: .double(25), help: "gradient all-reduce bucket size in MiB", bounds: .positive),
    ConfigKey(name: "debug.nan_steps", defaultValue: .ints([]), help: "fault injection for tests: at these steps (counted from 1) the loss of rank debug.nan_rank is multiplied by NaN before backward", bounds: .count),
    ConfigKey(name: "debug.nan_rank", defaultValue: .int(0), help: "the rank debug.nan_steps poisons", bounds: .nonNegative),
    ConfigKey(name: "dist.timeout", defaultValue: .double(600), help: "seconds a collective may wait before the run is aborted (a dead or hung rank); rank 0 validates meanwhile, so keep it above a validation pass", bounds: .positive),
  ]

  /// Keys by name.
  static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })

  /// One line per key: name, default, meaning (what `noiseda train --help-config` prints).
  public static var reference: String {
    let width = keys.map(\.name.count).max() ?? 0
    return keys.map { key in
      key.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "default \(key.defaultValue)"
        + (key.bounds.map { ", \($0)" } ?? "") + " — \(key.help)"
    }.joined(separator: "\n")
  }
}
