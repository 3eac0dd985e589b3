// EquivariancePenalty: EquiReg's plug-in penalty (algorithms.md §5.1, §5.3; the authors'
// equireg/penalty.py, forms.py, schedules.py), added to a solver's data-consistency loss before it
// is differentiated. For an MPE function f and a drawn group element g:
//   equi:       E(x) = r(ρ(g)·f(x) − f(T_g·x))      (ρ(g): the same transform on f's feature map)
//   equi_plus:  E(x) = r(x − T_g⁻¹·f(T_g·x))         (f maps back into x's own space)
// r: norm ‖d‖₂ | sqnorm ‖d‖² | mse mean(d²); the penalty is α(step)·E(x) with α from a schedule:
// constant fires every ⌊1/freq⌋-th step (step % period == 0), cutoff also stays off once
// step > total − 100. The group element comes from the penalty's own seeded stream (one draw per
// step, as the authors' library keeps its own generator), never from the solver's: a solve with
// the penalty sees the same noise as the plain solve of its seed, so the two compare paired. In a
// batch each image's E is reduced on its own and the batch sums them, so
// a batch solves as its images would one by one (for one image this is the authors' penalty).
import Tensors

/// α(step)·E(x) for one MPE function.
public struct EquivariancePenalty {
  public enum Form: String, CaseIterable, Sendable {
    case equi
    case equiPlus = "equi_plus"
  }

  public enum Reduction: String, CaseIterable, Sendable {
    case norm, sqnorm, mse
  }

  public enum Schedule: String, CaseIterable, Sendable {
    case constant, cutoff
  }

  /// Everything but f (`noiseda solve --equireg --alpha --freq --schedule --form --reduction
  /// --group`); the library's defaults. A nil group takes the MPE function's own.
  public struct Settings: Equatable, Sendable {
    public var form = Form.equi
    public var reduction = Reduction.norm
    public var schedule = Schedule.constant
    public var alpha: Float = 0.01
    public var frequency = 0.1
    public var group: ImageGroup?

    public init() {}
  }

  public let group: ImageGroup
  public let form: Form
  public let reduction: Reduction
  public let schedule: Schedule
  /// α.
  public let alpha: Float
  /// equi_freq: the penalty fires every ⌊1/freq⌋-th step.
  public let frequency: Double
  /// The MPE function f: images → feature maps (or images, for equi_plus).
  public let function: (Tensor) throws -> Tensor
  /// Seed of the stream the group elements are drawn from.
  public let seed: UInt64

  public init(group: ImageGroup, form: Form = .equi, reduction: Reduction = .norm, schedule: Schedule = .constant, alpha: Float = 0.01,
              frequency: Double = 0.1, seed: UInt64 = 0, function: @escaping (Tensor) throws -> Tensor) {
    self.group = group
    self.form = form
    self.reduction = reduction
    self.schedule = schedule
    self.alpha = alpha
    self.frequency = frequency
    self.seed = seed
    self.function = function
  }

  /// The penalty of `settings` with f = `manifold`'s map (and its group unless one is set).
  public init(_ settings: Settings, manifold: ManifoldFunction, seed: UInt64) {
    self.init(group: settings.group ?? manifold.group, form: settings.form, reduction: settings.reduction, schedule: settings.schedule,
              alpha: settings.alpha, frequency: settings.frequency, seed: seed, function: manifold.map)
  }

  /// α at solver step `step` (counted from 0) of `total`.
  public func weight(step: Int, total: Int) -> Float {
    let period = frequency <= 0 ? 1 : max(1, Int(1 / frequency))
    guard step % period == 0 else { return 0 }
    if schedule == .cutoff && step > total - 100 { return 0 }
    return alpha
  }

  /// E(x) for element `g` (without α), summed over the images of `x`.
  public func error(_ x: Tensor, element g: Int) throws -> Tensor {
    let d: Tensor
    switch form {
    case .equi: d = try group.apply(g, to: try function(x)) - function(try group.apply(g, to: x))
    case .equiPlus: d = try x - group.apply(group.inverse(g), to: try function(try group.apply(g, to: x)))
    }
    let perImage = try d.square().sum(axes: [1, 2, 3])
    switch reduction {
    case .norm: return perImage.sqrt().sum()
    case .sqnorm: return perImage.sum()
    case .mse: return perImage.sum() * (Float(x.shape[0]) / Float(d.count))
    }
  }

  /// The group element of solver step `step`: drawn from stream `step` of the penalty's seed.
  public func element(step: Int) -> Int {
    var draws = PhiloxRandom(seed: seed, stream: UInt64(step))
    return group.draw(using: &draws)
  }

  /// α(step)·E(x) with the step's element; nil when the schedule skips the step.
  public func penalty(_ x: Tensor, step: Int, total: Int) throws -> Tensor? {
    let a = weight(step: step, total: total)
    guard a != 0 else { return nil }
    return try error(x, element: element(step: step)) * a
  }
}
