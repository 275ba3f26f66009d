import Foundation
import XCTest
@testable import SweepEngine
import HyperOpt

/// Errors reach the user as sentences, never as a domain and a code.
final class FileErrorTextTests: XCTestCase {
    func testFoundationFileErrorsBecomeSentences() throws {
        let dir = NSTemporaryDirectory() + "fe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try FileManager.default.moveItem(atPath: dir + "/a", toPath: dir + "/b")) { error in
            let text = FileErrorText.describe(error)
            XCTAssertFalse(text.contains("Domain"), text)
            XCTAssertEqual(text, "it already exists")
        }
        XCTAssertThrowsError(try String(contentsOfFile: dir + "/none", encoding: .utf8)) { error in
            XCTAssertEqual(FileErrorText.describe(error), "no such file or directory")
        }
        // An atomic write onto a directory: Foundation gives a bare code 512 at times, never "Is a directory".
        XCTAssertThrowsError(try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/a"), options: .atomic)) { error in
            XCTAssertEqual(FileErrorText.describe(error), "Is a directory")
        }
    }

    func testHypertopsOwnErrorsSayThemselves() {
        XCTAssertEqual(FileErrorText.describe(LaunchError(description: "cannot start `x`: No such file or directory")),
                       "cannot start `x`: No such file or directory")
    }
}

/// `.inf`, `-.inf` and `null` choices are three values in the store, as Python's json keeps them.
final class NonFiniteChoiceTests: XCTestCase {
    func testNonFiniteChoicesStayDistinctThroughTheStore() throws {
        let choices: [ParamValue] = [.int(1), .float(2.5), .bool(true), .null, .string("x"), .float(.infinity), .float(-.infinity), .float(1e308)]
        let text = DistributionJSON.encode(.categorical(choices: choices))
        XCTAssertTrue(text.contains("null, \"x\", Infinity, -Infinity, 1e+308"), text)
        XCTAssertEqual(DistributionJSON.decode(text), .categorical(choices: choices))
        XCTAssertEqual(JSONText.params(["c": .float(-.infinity)], order: SearchSpace([Parameter(name: "c", distribution: .categorical(choices: choices))])),
                       "{\"c\": -Infinity}")
    }
}
