import XCTest
@testable import SweepEngine

final class SweepEngineSmokeTests: XCTestCase {
    func testModuleLoads() throws { XCTAssertTrue(true) }
}
