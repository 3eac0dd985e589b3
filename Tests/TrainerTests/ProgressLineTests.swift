// ProgressLineTests: the status text (rate, ETA, values) and when the live line is used.
import Foundation
@testable import Trainer
import XCTest

final class ProgressLineTests: XCTestCase {
  func testTextShowsStepValuesRateAndETA() {
    let start = Date(timeIntervalSince1970: 1000)
    let line = ProgressLine(totalSteps: 100, interactive: false, start: start)
    let text = line.text(step: 30, firstStep: 10, images: 160, values: [("loss", 0.0412), ("λ", 0.00025)],
                         now: start.addingTimeInterval(40))
    // 20 steps in 40 s → 2 s/step, 70 steps left → 2m20s; 160 images / 40 s = 4 img/s.
    XCTAssertEqual(text, "step 30/100 | loss 0.0412 | λ 2.500e-04 | 4.0 img/s | ETA 2m20s")
    XCTAssertEqual(ProgressLine.duration(3725), "1h02m")
    XCTAssertEqual(ProgressLine.duration(45), "45s")
  }

  func testLiveLineOnlyOutsideMPIUnlessAsked() {
    XCTAssertTrue(ProgressLine.defaultInteractive(environment: ["NOISEDA_PROGRESS": "live", "OMPI_COMM_WORLD_SIZE": "2"]))
    XCTAssertFalse(ProgressLine.defaultInteractive(environment: ["NOISEDA_PROGRESS": "plain"]))
    XCTAssertFalse(ProgressLine.defaultInteractive(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
    XCTAssertFalse(ProgressLine.defaultInteractive(environment: ["PMIX_RANK": "0"]))
  }
}
