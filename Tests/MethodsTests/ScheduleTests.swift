// The noise schedule's γ values and the λ schedule of eq. 5 at known points.
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
}
