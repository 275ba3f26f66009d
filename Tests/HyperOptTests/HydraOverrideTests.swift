import XCTest
@testable import HyperOpt

final class HydraOverrideTests: XCTestCase {
    func testPlainValuesStayPlain() {
        XCTAssertEqual(HydraOverride.argument(name: "++algorithm.learning_rate", value: .float(0.0012)), "++algorithm.learning_rate=0.0012")
        XCTAssertEqual(HydraOverride.argument(name: "++algorithm.critic_select", value: .string("min")), "++algorithm.critic_select=min")
        XCTAssertEqual(HydraOverride.argument(name: "n", value: .int(64)), "n=64")
        XCTAssertEqual(HydraOverride.argument(name: "b", value: .bool(true)), "b=true")
        XCTAssertEqual(HydraOverride.argument(name: "e", value: .string("FetchReach-v2")), "e=FetchReach-v2")
        XCTAssertEqual(HydraOverride.argument(name: "p", value: .string("a/b.yaml")), "p=a/b.yaml")
    }

    func testValuesHydraWouldMisreadAreQuoted() {
        XCTAssertEqual(HydraOverride.text(.string("a;rm -rf x")), "'a;rm -rf x'")
        XCTAssertEqual(HydraOverride.text(.string("true")), "'true'")
        XCTAssertEqual(HydraOverride.text(.string("1e-3")), "'1e-3'")
        XCTAssertEqual(HydraOverride.text(.string("a,b")), "'a,b'")
        XCTAssertEqual(HydraOverride.text(.string("it's")), "'it\\'s'")
        XCTAssertEqual(HydraOverride.text(.string("")), "''")
        XCTAssertEqual(HydraOverride.text(.string("[1,2]")), "'[1,2]'")
    }
}
