// EquiRegTests: EquiReg's groups (each element and its inverse, against torch.rot90's and
// torch.flip's definitions), the penalty's two forms and three reductions on a hand-computed
// example, its gradient through f against finite differences, and the schedules' cadence.
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

  func testSchedulesFireEveryPeriodAndCutOffTheLastHundredSteps() {
    let constant = EquivariancePenalty(group: .hflip, alpha: 0.03, frequency: 0.1) { $0 }
    XCTAssertEqual((0..<25).filter { constant.weight(step: $0, total: 250) != 0 }, [0, 10, 20])
    XCTAssertEqual(constant.weight(step: 240, total: 250), 0.03)
    let cutoff = EquivariancePenalty(group: .hflip, schedule: .cutoff, alpha: 0.03, frequency: 0.1) { $0 }
    XCTAssertEqual(cutoff.weight(step: 150, total: 250), 0.03)
    XCTAssertEqual(cutoff.weight(step: 160, total: 250), 0)
    let every = EquivariancePenalty(group: .hflip, alpha: 0.01, frequency: 1) { $0 }
    XCTAssertEqual((0..<5).filter { every.weight(step: $0, total: 5) != 0 }, [0, 1, 2, 3, 4])
    var rng = PhiloxRandom(seed: 1)
    XCTAssertNil(try constant.penalty(square, step: 3, total: 250, using: &rng))
  }
}
