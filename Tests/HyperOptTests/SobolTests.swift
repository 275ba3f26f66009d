import Foundation
import XCTest
@testable import HyperOpt

/// The Sobol' points behind `sampler: gp`'s first trials: the same points as scipy's, and the
/// balance that makes them worth having, scrambled or not.
final class SobolTests: XCTestCase {
    func testUnscrambledPointsAreScipys() throws {
        struct Fixture: Decodable { var points: [[Double]] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sobol_points.json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let sobol = try XCTUnwrap(Sobol(dimension: 21))
        for (i, expected) in f.points.enumerated() {
            XCTAssertEqual(sobol.point(i), expected, "point \(i)")
        }
        XCTAssertNil(Sobol(dimension: 22), "the table stops at 21 dimensions")
        XCTAssertNil(Sobol(dimension: 0))
    }

    func testScrambledPointsStayBalancedAndDependOnTheSeed() throws {
        let a = try XCTUnwrap(Sobol(dimension: 5, scrambleSeed: 1)), b = try XCTUnwrap(Sobol(dimension: 5, scrambleSeed: 2))
        XCTAssertNotEqual(a.point(0), b.point(0))
        XCTAssertEqual(a.point(3), try XCTUnwrap(Sobol(dimension: 5, scrambleSeed: 1)).point(3), "seeded: the same seed, the same points")
        // The first 16 points put exactly one point in each sixteenth of every axis, and, on the
        // first three axes, one in each of the 4 x 4 cells of every pair of them (higher
        // dimensions' pairs are balanced on coarser grids only: Sobol's t-value grows).
        let points = (0..<16).map { a.point($0) }
        for axis in 0..<5 {
            XCTAssertEqual(Set(points.map { Int($0[axis] * 16) }).count, 16, "axis \(axis)")
        }
        for i in 0..<3 {
            for j in (i + 1)..<3 {
                XCTAssertEqual(Set(points.map { Int($0[i] * 4) * 4 + Int($0[j] * 4) }).count, 16, "axes \(i), \(j)")
            }
        }
        XCTAssertTrue(points.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 1 } })
    }
}
