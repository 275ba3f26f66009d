import Foundation
import HyperOpt
import XCTest
@testable import SweepEngine

final class TrialFilesTests: XCTestCase {
    /// The value the app returned is read bit for bit: Foundation's JSONSerialization here turns
    /// 0.00651592972722763 into 0.006515929727227629 (a third of all doubles are 1 ulp off).
    func testTheReturnedValueIsReadExactly() throws {
        let dir = NSTemporaryDirectory() + "trialfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = TrialFiles(runDir: dir)
        var generator = SystemRandomNumberGenerator()
        var values = [0.00651592972722763, 0.3521221253696578, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, -2.5]
        for _ in 0..<200 { values.append(Double.random(in: 0..<1, using: &generator) * pow(10, Double(Int.random(in: -8...8)))) }
        for v in values {
            try "{\"value\": \(v), \"epochs\": 4}".write(toFile: files.returned, atomically: true, encoding: .utf8)
            guard case .success(let r)? = files.readReturned() else { return XCTFail("\(v) not read") }
            XCTAssertEqual(r.value?.bitPattern, v.bitPattern, "\(v) read as \(String(describing: r.value))")
            XCTAssertEqual(r.epochs, 4)
        }
        try #"{"value": "nan", "epochs": null}"#.write(toFile: files.returned, atomically: true, encoding: .utf8)
        guard case .failure(.nonFinite(let nan))? = files.readReturned() else { return XCTFail("nan") }
        XCTAssertTrue(nan.isNaN)
        try #"{"unsupported": "dict"}"#.write(toFile: files.returned, atomically: true, encoding: .utf8)
        XCTAssertEqual(files.readReturned().map { if case .failure(let f) = $0 { return f.description } else { return "" } },
                       "the app returned a dict, not a number or a (score, epochs, ...) tuple")
        try "not json".write(toFile: files.returned, atomically: true, encoding: .utf8)
        XCTAssertNil(files.readReturned())
        // Several objectives: a tuple's leading numbers (Python's spelling of a non-finite one kept),
        // and a dict's numbers by key.
        try #"{"value": 4.5, "epochs": null, "values": [4.5, 25.25, "inf"]}"#.write(toFile: files.returned, atomically: true, encoding: .utf8)
        guard case .success(let tuple)? = files.readReturned() else { return XCTFail("tuple") }
        XCTAssertEqual(tuple.values.prefix(2), [4.5, 25.25])
        XCTAssertEqual(tuple.values.last, .infinity)
        try #"{"named": {"reward": 0.5, "cost": 3}}"#.write(toFile: files.returned, atomically: true, encoding: .utf8)
        guard case .success(let dict)? = files.readReturned() else { return XCTFail("dict") }
        XCTAssertNil(dict.value)
        XCTAssertEqual(dict.named, ["reward": 0.5, "cost": 3])
    }
}
