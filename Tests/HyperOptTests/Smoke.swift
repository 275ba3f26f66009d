import XCTest
@testable import HyperOpt

final class HyperOptSmokeTests: XCTestCase {
    func testModuleLoads() throws { XCTAssertTrue(true) }
}
