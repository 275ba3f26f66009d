import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// The analysis views (importance, history, timeline, parallel coordinates, slices) as whole
/// screens at 80x24 and 120x40, in Unicode (Braille) and ASCII.
final class AnalysisScreenTests: XCTestCase {
    func screen(_ key: Character, _ size: Size, glyphs: Glyphs = .unicode) -> Buffer {
        var s = AnalysisFixture.state(size: size, glyphs: glyphs)
        _ = update(&s, .key(.char(key)))
        return render(s, size: size)
    }

    func testEveryViewAtBothSizes() {
        for view in AnalysisView.allCases {
            for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
                assertGolden(screen(view.key, size), "\(view.rawValue)-\(size.width)x\(size.height)")
            }
        }
    }

    /// Why a trial was pruned: the pruner's bar at each evaluation it judged, over the curve,
    /// and the rule that fired.
    func testPrunedTrialDetailShowsThePrunersBar() {
        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
            var s = AnalysisFixture.state(size: size)
            for _ in 0..<3 { _ = update(&s, .key(.down)) }
            _ = update(&s, .key(.enter))
            XCTAssertEqual(s.screen, .detail(trial: 3))
            XCTAssertEqual(s.study.trial(3)?.state, .pruned)
            let buf = render(s, size: size)
            assertGolden(buf, "detail-pruned-\(size.width)x\(size.height)")
            XCTAssertTrue(buf.plainText().joined().contains("the pruner's bar"))
            XCTAssertTrue(buf.plainText().joined().contains("pruned by median at evaluation 4"))
        }
    }

    func testASCIIFormsDrawNoUnicode() {
        for view in AnalysisView.allCases {
            let buf = screen(view.key, Size(width: 80, height: 24), glyphs: .ascii)
            assertGolden(buf, "\(view.rawValue)-ascii-80x24")
            XCTAssertTrue(buf.cells.allSatisfy { $0.char.isASCII }, "\(view.rawValue): ASCII mode drew a non-ASCII glyph")
        }
    }
    /// A chart's axis places a value where the search space's unit position does, inside the
    /// axis even for a value the space no longer holds; choices spread evenly.
    func testAxisPositionsAreTheSpacesUnitPositionsClamped() {
        let lr = Distribution.float(low: 1e-5, high: 1e-1, log: true, step: nil)
        XCTAssertEqual(axisPosition(.float(1e-3), lr), lr.unitPosition(1e-3))
        XCTAssertEqual(axisPosition(.float(10), lr), 1)
        XCTAssertEqual(axisPosition(.int(-3), .int(low: 0, high: 8, log: false, step: 1)), 0)
        XCTAssertEqual(axisPosition(.int(2), .int(low: 0, high: 8, log: false, step: 1)), 0.25)
        XCTAssertEqual(axisPosition(.string("c"), .categorical(choices: ["a", "b", "c"].map(ParamValue.string))), 1)
        XCTAssertNil(axisPosition(.string("d"), .categorical(choices: ["a", "b", "c"].map(ParamValue.string))))
    }
}
