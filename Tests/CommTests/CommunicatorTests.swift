// CommunicatorTests: the single-process communicator and world selection.
import XCTest

@testable import Comm

final class CommunicatorTests: XCTestCase {
  func testWorldKindFollowsLauncherAndOverride() throws {
    XCTAssertEqual(try Communicators.kind(environment: [:]), .singleProcess)
    XCTAssertEqual(try Communicators.kind(environment: ["OMPI_COMM_WORLD_SIZE": "2"]), .mpi)
    XCTAssertEqual(try Communicators.kind(environment: ["PMIX_RANK": "0"]), .mpi)
    XCTAssertEqual(try Communicators.kind(environment: ["NOISEDA_COMM": "mpi"]), .mpi)
    XCTAssertEqual(try Communicators.kind(environment: ["NOISEDA_COMM": "single", "OMPI_COMM_WORLD_SIZE": "2"]), .singleProcess)
    XCTAssertThrowsError(try Communicators.kind(environment: ["NOISEDA_COMM": "tcp"])) { error in
      XCTAssertTrue("\(error)".contains("NOISEDA_COMM"))
    }
  }
}
