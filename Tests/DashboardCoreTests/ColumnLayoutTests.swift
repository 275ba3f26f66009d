@testable import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// Column widths from constraints: the same widths the tables had when they were solved by hand.
final class ColumnLayoutTests: XCTestCase {
    func testShrinkingColumnsNarrowWidestFirstThenGoLastFirst() {
        let widths: [ColumnWidth] = [.length(3), .shrinking(8, least: 5), .shrinking(6, least: 5), .fill(keeps: 4, least: 2)]
        func cells(_ width: Int) -> [Int?] { Rect(x: 0, y: 0, width: width, height: 1).columns(widths).map { $0?.width } }
        XCTAssertEqual(cells(30), [3, 8, 6, 10], "room: the fill takes the rest")
        XCTAssertEqual(cells(22), [3, 6, 6, 4], "the widest narrows (the first of equals) so that the fill keeps 4")
        XCTAssertEqual(cells(19), [3, 5, 5, 3], "both at their least; the fill gets what is left")
        XCTAssertEqual(cells(17), [3, 5, 5, 0], "less than least: no fill")
        XCTAssertEqual(cells(15), [3, 5, nil, 5], "the last shrinking column goes first")
        XCTAssertEqual(cells(9), [3, nil, nil, 5])
        XCTAssertEqual(cells(5), [3, nil, nil, 0], "a fill under its least is empty")
        XCTAssertEqual(cells(2), [3, nil, nil, 0], "too narrow even so: the widths stay and the table clips")
        let parts = Rect(x: 2, y: 0, width: 30, height: 1).columns(widths)
        XCTAssertEqual(parts.map { $0?.x }, [2, 6, 15, 22], "one cell between neighbours")
    }

    /// The trial table's widths, as the hand-solved layout had them (kept here as the reference),
    /// for every width from 40 to 200, with and without repeats.
    func testTrialTableWidthsMatchTheHandSolvedOnes() {
        for repeats in [1, 3] {
            var s = Fixture.state()
            var spec = Fixture.spec()
            spec.maxTrialsPerParam = repeats
            var info = Fixture.info()
            info.spec = spec
            _ = update(&s, .event(.started(info)))
            let columns = TrialColumn.columns(s)
            for width in 40...200 {
                let solved = Rect(x: 0, y: 0, width: width, height: 1).columns(columns.map(\.width))
                let shown = zip(columns, solved).compactMap { c, r in r.map { (c.title, $0.width) } }
                let reference = handSolved(s, width: width)
                XCTAssertEqual(shown.map(\.0), reference.map(\.0), "titles at \(width), repeats \(repeats)")
                XCTAssertEqual(shown.map(\.1), reference.map(\.1), "widths at \(width), repeats \(repeats)")
            }
        }
    }

    /// The layout `TrialColumn` replaced (TrialTable.swift before the column table).
    func handSolved(_ state: DashboardState, width: Int) -> [(String, Int)] {
        var params = state.spec?.space.parameters ?? []
        let maxNumber = state.study.trials.last?.number ?? 0
        let numberWidth = max(3, String(maxNumber).count + 1)
        let nEpochs = state.spec?.nEpochs
        let progressWidth = nEpochs.map { max(5, 2 * String($0).count + 1) } ?? 6
        let repeats = (state.spec?.maxTrialsPerParam ?? 1) > 1
        var paramWidths = params.map { min(10, max(6, Format.shortName($0.name).count)) }
        func total(_ curve: Int) -> Int {
            let separators = paramWidths.count + (repeats ? 7 : 6)
            return numberWidth + 5 + paramWidths.reduce(0, +) + (repeats ? 3 : 0) + progressWidth + 6 + 6 + 6 + curve + separators
        }
        while total(12) > width, let i = paramWidths.indices.max(by: { paramWidths[$0] < paramWidths[$1] }), paramWidths[i] > 5 {
            paramWidths[i] -= 1
        }
        while total(0) > width, !params.isEmpty {
            params.removeLast()
            paramWidths.removeLast()
        }
        let room = width - total(0)
        return [("#", numberWidth), ("state", 5)] + zip(params, paramWidths).map { (Format.shortName($0.name), $1) }
            + (repeats ? [("rep", 3)] : []) + [(nEpochs == nil ? "step" : "epoch", progressWidth), ("value", 6), ("score", 6), ("time", 6), ("curve", room >= 4 ? room : 0)]
    }

    /// The studies browser's one column table gives the widths of its former wide and narrow copies.
    func testStudiesTableWidthsMatchTheFormerWideAndNarrowTables() {
        for width in 80...220 {
            let layout = StudyColumn.layout(width)
            let narrow = width < 115
            let reference: [(String, Int)] = narrow
                ? [(" ", 1), ("study", max(12, width - 68)), ("dir", 3), ("run", 3), ("done", 4), ("pr/fl", 5), ("best", 9),
                   ("started", 11), ("engine", 11), ("best so far", 11)]
                : [(" ", 1), ("study", max(12, width - 118)), ("direction", 9), ("run", 4), ("done", 5), ("pruned", 6), ("failed", 6),
                   ("best", 9), ("started (UTC)", 16), ("duration", 8), ("engine", 16), ("best so far", 12)]
            XCTAssertEqual(layout.map(\.form.title), reference.map(\.0), "at \(width)")
            XCTAssertEqual(layout.map(\.width), reference.map(\.1), "at \(width)")
            XCTAssertTrue(layout.allSatisfy { $0.narrow == narrow })
        }
    }
}
