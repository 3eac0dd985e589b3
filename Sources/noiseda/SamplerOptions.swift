// SamplerOptions: the options `restore`, `eval` and `sample` share for methods that restore by
// sampling — network evaluations, OT-ODE, the seed — and the EMA switch of every inference command.
import ArgumentParser
import Methods
import Tensors

struct SamplerOptions: ParsableArguments {
  @Flag(name: .customLong("no-ema"), help: "Use the raw weights instead of the EMA copy.")
  var noEMA = false
  @Option(help: "Network evaluations (NFE) of a sampler method (default: the method's own, e.g. i2sb.nfe).")
  var nfe: Int?
  @Flag(name: .customLong("ot-ode"), help: "Sample without noise (I2SB's OT-ODE).")
  var otODE = false
  @Option(help: "Seed of a sampler's random draws (the same seed gives the same output).")
  var seed: UInt64 = 0

  /// What the method's restoration or sampler is asked for.
  var restoration: RestorationOptions { RestorationOptions(steps: nfe, deterministic: otODE) }

  /// The generator the draws come from.
  var generator: PhiloxRandom { PhiloxRandom(seed: seed) }
}
