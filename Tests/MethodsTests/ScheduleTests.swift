// The noise schedule's γ values, the λ schedule of eq. 5 and the learning-rate schedules at known points.
import Methods
import XCTest

final class ScheduleTests: XCTestCase {
  func testNoiseScheduleMatchesReleasedValues() {
    let s = NoiseSchedule()
    XCTAssertEqual(s.gammas.count, 1000)
    XCTAssertEqual(s.gammas[0], 1 - 1e-6, accuracy: 1e-12)
    XCTAssertEqual(s.gammas[100], 0.951, accuracy: 5e-4)
    XCTAssertEqual(s.gammas[500], 0.285, accuracy: 5e-4)
    XCTAssertEqual(s.gammas[999], 0.00662, accuracy: 5e-5)
    // A drawn level lies between γ_t and γ_{t−1}.
    XCTAssertEqual(s.gamma(step: 10, u: 0), s.gammas[10])
    XCTAssertEqual(s.gamma(step: 10, u: 1), s.gammas[9], accuracy: 1e-15)
  }

  func testLambdaMatchesEquation5() {
    let schedule = LambdaSchedule()
    // β·(2/(1+e^{−5p}) − 1) with β = 0.2.
    XCTAssertEqual(schedule.lambda(progress: 0), 0, accuracy: 1e-12)
    XCTAssertEqual(schedule.lambda(progress: 0.1), 0.2 * (2 / (1 + exp(-0.5)) - 1), accuracy: 1e-12)
    XCTAssertEqual(schedule.lambda(progress: 0.1), 0.049, accuracy: 5e-4)
    XCTAssertEqual(schedule.lambda(progress: 0.5), 0.170, accuracy: 5e-4)
    XCTAssertEqual(schedule.lambda(progress: 1), 0.197, accuracy: 5e-4)
    XCTAssertEqual(schedule.lambda(progress: 3), schedule.lambda(progress: 1), "p is clamped at 1")
  }

  func testProgressFromEpochsAndSteps() {
    XCTAssertEqual(LambdaSchedule.progress(epoch: 1, rampEpochs: 300), 1.0 / 300)
    XCTAssertEqual(LambdaSchedule.progress(epoch: 600, rampEpochs: 300), 1)
    XCTAssertEqual(LambdaSchedule.progress(step: 30, totalSteps: 100, fraction: 0.6), 0.5, accuracy: 1e-12)
  }

  /// The per-role learning-rate schedules: PyTorch's StepLR and CUT's linear decay to 0.
  func testLearningRateSchedules() {
    XCTAssertEqual(LearningRateSchedule.constant.rate(base: 2e-4, step: 10_000), 2e-4)
    let stepDecay = LearningRateSchedule.stepDecay(every: 100, factor: 0.5)
    XCTAssertEqual([0, 99, 100, 250].map { stepDecay.rate(base: 1, step: $0) }, [1, 1, 0.5, 0.25])
    let linear = LearningRateSchedule.linearDecay(start: 100, end: 200)
    XCTAssertEqual([0, 100, 150, 200, 300].map { linear.rate(base: 1, step: $0) }, [1, 1, 0.5, 0, 0])
  }
}
