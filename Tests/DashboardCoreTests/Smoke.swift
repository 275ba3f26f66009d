import XCTest
@testable import DashboardCore

final class DashboardCoreSmokeTests: XCTestCase {
    func testModuleLoads() throws { XCTAssertTrue(true) }
}
