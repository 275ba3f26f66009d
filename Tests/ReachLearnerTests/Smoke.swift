import XCTest
@testable import ReachLearner

final class ReachLearnerSmokeTests: XCTestCase {
    func testModuleLoads() throws { XCTAssertTrue(true) }
}
