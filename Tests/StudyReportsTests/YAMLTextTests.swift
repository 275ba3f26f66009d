import XCTest
import HyperOpt
@testable import StudyReports

/// The one YAML writer of the output formats.
final class YAMLTextTests: XCTestCase {
    func testValuesAreJSONsSpellingButNonFiniteFloatsAreYAMLs() {
        XCTAssertEqual(YAMLText.scalar(.float(0.25)), ParamValue.float(0.25).jsonText)
        XCTAssertEqual(YAMLText.scalar(.int(3)), "3")
        XCTAssertEqual(YAMLText.scalar(.string("a: b")), "\"a: b\"")
        XCTAssertEqual(YAMLText.scalar(.float(.nan)), ".nan")
        XCTAssertEqual(YAMLText.scalar(.float(.infinity)), ".inf")
        XCTAssertEqual(YAMLText.scalar(.float(-.infinity)), "-.inf")
    }

    func testKeysArePlainOnlyWhenTheyAreBareWords() {
        XCTAssertEqual(YAMLText.key("learning_rate"), "learning_rate")
        XCTAssertEqual(YAMLText.key("n-steps2"), "n-steps2")
        XCTAssertEqual(YAMLText.key("a b"), "\"a b\"")
        XCTAssertEqual(YAMLText.key("x:y"), "\"x:y\"")
    }

    func testBestYAMLNestsDottedNamesThroughTheSameWriter() {
        let text = BestText.yaml([("++algorithm.learning_rate", .float(0.001)), ("++algorithm.buffer size", .int(100)), ("seed", .int(1))])
        XCTAssertEqual(text, "algorithm:\n  learning_rate: 0.001\n  \"buffer size\": 100\nseed: 1")
    }
}
