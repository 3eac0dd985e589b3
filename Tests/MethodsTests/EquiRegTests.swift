// EquiRegTests: EquiReg's groups (each element and its inverse, against torch.rot90's and
// torch.flip's definitions), the penalty's two forms and three reductions on a hand-computed
// example, its gradient through f against finite differences, and the schedules' cadence.
import Foundation
import Layers
@testable import Methods
import Tensors
import XCTest

final class EquiRegTests: XCTestCase {
  let square = try! Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])

  func testGroupElementsAndInverses() throws {
    // torch.rot90([[1,2],[3,4]], 1) = [[2,4],[1,3]], k=2: [[4,3],[2,1]], k=3: [[3,1],[4,2]].
    XCTAssertEqual(try ImageGroup.rot90.apply(1, to: square).values, [2, 4, 1, 3])
    XCTAssertEqual(try ImageGroup.rot90.apply(2, to: square).values, [4, 3, 2, 1])
    XCTAssertEqual(try ImageGroup.rot90.apply(3, to: square).values, [3, 1, 4, 2])
    XCTAssertEqual(try ImageGroup.hflip.apply(1, to: square).values, [2, 1, 4, 3])
    XCTAssertEqual(try ImageGroup.rot180.apply(1, to: square).values, [4, 3, 2, 1])
    var rng = PhiloxRandom(seed: 1)
    let x = Tensor.uniform([2, 3, 4, 6], using: &rng)
    for group in ImageGroup.allCases {
      for g in 0..<(group == .rot90 ? 4 : 2) {
        let back = try group.apply(group.inverse(g), to: try group.apply(g, to: x))
        XCTAssertEqual(back.values, x.values, "\(group) element \(g)")
      }
    }
    XCTAssertEqual(ImageGroup.rot90.sampledElements, [1, 3])
    XCTAssertEqual(try ImageGroup.rot90.apply(1, to: x).shape, [2, 3, 6, 4])
  }

  /// f(x) = x ⊙ m with m = [[1, 2], [3, 4]] on x = [[1, 2], [3, 4]], g the horizontal flip:
  /// equi: ρ(g)f(x) − f(g·x) = flip([[1,4],[9,16]]) − [[2,1],[4,3]]⊙m = [[4,1],[16,9]] − [[2,2],[12,12]]
  ///       = [[2,−1],[4,−3]]: norm √30, sqnorm 30, mse 7.5;
  /// equi_plus: x − g⁻¹f(g·x) = [[1,2],[3,4]] − flip([[2,2],[12,12]]) = [[−1,0],[−9,−8]]: sqnorm 146.
  func testPenaltyFormsAndReductionsByHand() throws {
    let m = square
    func penalty(_ form: EquivariancePenalty.Form, _ reduction: EquivariancePenalty.Reduction) -> EquivariancePenalty {
      EquivariancePenalty(group: .hflip, form: form, reduction: reduction) { try $0 * m }
    }
    XCTAssertEqual(try penalty(.equi, .norm).error(square, element: 1).item, Float(30).squareRoot(), accuracy: 1e-5)
    XCTAssertEqual(try penalty(.equi, .sqnorm).error(square, element: 1).item, 30, accuracy: 1e-4)
    XCTAssertEqual(try penalty(.equi, .mse).error(square, element: 1).item, 7.5, accuracy: 1e-5)
    XCTAssertEqual(try penalty(.equiPlus, .sqnorm).error(square, element: 1).item, 146, accuracy: 1e-3)
    XCTAssertEqual(try penalty(.equiPlus, .mse).error(square, element: 1).item, 36.5, accuracy: 1e-4)
  }

  /// ∇ₓ of α·E(x) through a small smooth convolutional f (conv, tanh, strided conv: not
  /// equivariant, so E ≠ 0), against central finite differences, for every group and form.
  func testPenaltyGradientThroughTheFunctionMatchesFiniteDifferences() throws {
    let first = Conv2d(3, 4, kernelSize: 3, padding: 1), second = Conv2d(4, 3, kernelSize: 3, stride: 1, padding: 1)
    var rng = PhiloxRandom(seed: 2)
    for layer in [first, second] {
      let store = ParameterStore(module: layer)
      store.initialize(using: &rng)
      for i in 0..<store.flatCount { store.values.pointer[i] += rng.uniform(-0.2, 0.2) }
      store.parameters.forEach { $0.value.requiresGrad = false }
    }
    let f = { (x: Tensor) in try second(try first(x).tanh()) }
    for form in EquivariancePenalty.Form.allCases {
      for group in ImageGroup.allCases {
        let penalty = EquivariancePenalty(group: group, form: form, reduction: .norm, alpha: 0.5, function: f)
        let x = Tensor.uniform([1, 3, 6, 6], -1, 1, using: &rng)
        let leaf = x.detached()
        leaf.requiresGrad = true
        let g = group.sampledElements.last!
        try (penalty.error(leaf, element: g) * penalty.alpha).backward()
        let v = Tensor.normal(x.shape, using: &rng)
        let h: Float = 1e-3
        let value = { (z: Tensor) in try Autograd.withoutGradients { Double(try penalty.error(z, element: g).item) * 0.5 } }
        let numeric = (try value(try x + v * h) - value(try x - v * h)) / (2 * Double(h))
        let analytic = zip(leaf.grad!.values, v.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(analytic, numeric, accuracy: 1e-2 * max(1, abs(numeric)), "\(group) \(form)")
      }
    }
  }

  /// In a batch each image's error is reduced on its own and summed: a batch of two scores the sum
  /// of the two images' errors, for every reduction.
  func testABatchSumsItsImagesErrors() throws {
    var rng = PhiloxRandom(seed: 3)
    let x = Tensor.uniform([2, 3, 4, 4], -1, 1, using: &rng)
    let weight = Tensor.uniform([1, 1, 1, 4], -1, 1, using: &rng)
    for reduction in EquivariancePenalty.Reduction.allCases {
      let penalty = EquivariancePenalty(group: .hflip, reduction: reduction) { try $0 * weight }
      let both = try penalty.error(x, element: 1).item
      let each = try (0..<2).map { try penalty.error(try x.slice(axis: 0, range: $0..<$0 + 1), element: 1).item }
      XCTAssertEqual(both, each[0] + each[1], accuracy: 1e-4, "\(reduction)")
    }
  }

  /// NT-Xent against its definition computed in plain loops: rows normalised, similarities over τ,
  /// each row's cross-entropy against its other view with itself left out.
  func testInfoNCEMatchesItsDefinition() throws {
    var rng = PhiloxRandom(seed: 4)
    let (n, d, tau) = (3, 5, Float(0.1))
    let z1 = Tensor.normal([n, d], using: &rng), z2 = Tensor.normal([n, d], using: &rng)
    let rows = (0..<n).map { Array(z1.values[$0 * d..<($0 + 1) * d]) } + (0..<n).map { Array(z2.values[$0 * d..<($0 + 1) * d]) }
    let unit = rows.map { r -> [Double] in
      let norm = r.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      return r.map { Double($0) / norm }
    }
    var expected = 0.0
    for i in 0..<(2 * n) {
      let logits = (0..<(2 * n)).map { j in zip(unit[i], unit[j]).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(tau) }
      let others = (0..<(2 * n)).filter { $0 != i }
      let logSum = Foundation.log(others.reduce(0.0) { $0 + Foundation.exp(logits[$1]) })
      expected += logSum - logits[(i + n) % (2 * n)]
    }
    XCTAssertEqual(Double(try infoNCELoss(z1, z2, temperature: tau).item), expected / Double(2 * n), accuracy: 1e-4)
  }

  /// Method mpe's equivariance objective is MSE(f(T_g·x), ρ(g)·f(x)) of its SmallCNN (for hflip the
  /// one drawable element is the flip); the contrastive one gives a finite NT-Xent and views of x's shape.
  func testMPEObjectives() throws {
    var rng = PhiloxRandom(seed: 5)
    let x = Tensor.uniform([4, 3, 16, 16], -1, 1, using: &rng)
    let settings = ["mpe.channels": ConfigValue.int(4), "mpe.blocks": .int(2)]
    let equivariance = try ManifoldFunctionTraining(settings: TestSettings(ManifoldFunctionTraining.configKeys, settings))
    let store = ParameterStore(module: equivariance.network)
    store.initialize(using: &rng)
    let context = StepContext(step: 0, totalSteps: 1, epoch: 1)
    let loss = try equivariance.loss(phase: 0, batch: TrainingBatch(clean: x), context: context, using: &rng).total.item
    let f = equivariance.network
    let expected = try Autograd.withoutGradients { try mseLoss(try f.features(try x.flipped(axis: 3)), try f.features(x).flipped(axis: 3)).item }
    XCTAssertEqual(loss, expected, accuracy: 1e-6)
    XCTAssertGreaterThan(expected, 0, "a freshly initialised SmallCNN is not equivariant")
    XCTAssertEqual(try f.features(x).shape, [4, 8, 4, 4])
    let contrastive = try ManifoldFunctionTraining(settings: TestSettings(
      ManifoldFunctionTraining.configKeys, settings.merging(["mpe.objective": .string("contrastive"), "mpe.group": .string("rot90")]) { $1 }))
    ParameterStore(module: contrastive.network).initialize(using: &rng)
    XCTAssert(try contrastive.loss(phase: 0, batch: TrainingBatch(clean: x), context: context, using: &rng).total.item.isFinite)
    let view = try contrastive.view(x, using: &rng)
    XCTAssertEqual(view.shape, x.shape)
    XCTAssertNotEqual(view.values, x.values)
    XCTAssertThrowsError(try ManifoldFunctionTraining(settings: TestSettings(ManifoldFunctionTraining.configKeys, ["mpe.objective": .string("classify")])))
  }

  func testSchedulesFireEveryPeriodAndCutOffTheLastHundredSteps() {
    let constant = EquivariancePenalty(group: .hflip, alpha: 0.03, frequency: 0.1) { $0 }
    XCTAssertEqual((0..<25).filter { constant.weight(step: $0, total: 250) != 0 }, [0, 10, 20])
    XCTAssertEqual(constant.weight(step: 240, total: 250), 0.03)
    let cutoff = EquivariancePenalty(group: .hflip, schedule: .cutoff, alpha: 0.03, frequency: 0.1) { $0 }
    XCTAssertEqual(cutoff.weight(step: 150, total: 250), 0.03)
    XCTAssertEqual(cutoff.weight(step: 160, total: 250), 0)
    let every = EquivariancePenalty(group: .hflip, alpha: 0.01, frequency: 1) { $0 }
    XCTAssertEqual((0..<5).filter { every.weight(step: $0, total: 5) != 0 }, [0, 1, 2, 3, 4])
    XCTAssertNil(try constant.penalty(square, step: 3, total: 250))
    // rot90's elements (90° or 270°) come from the penalty's own seed, step by step: both occur,
    // and the same seed draws the same sequence.
    let rotations = EquivariancePenalty(group: .rot90, seed: 4) { $0 }
    let drawn = (0..<40).map { rotations.element(step: $0) }
    XCTAssertEqual(Set(drawn), [1, 3])
    XCTAssertEqual(drawn, (0..<40).map { EquivariancePenalty(group: .rot90, seed: 4) { $0 }.element(step: $0) })
  }
}
