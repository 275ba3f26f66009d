import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// The studies browser: marks, the compare view (best so far overlaid, best sets side by side),
/// and delete and rename, which both ask first.
final class StudiesCompareTests: XCTestCase {
    func rows() -> [StudyListRow] {
        var a = StudyListRow(name: "reach-sac", direction: .maximize, counts: [.complete: 18, .failed: 2],
                             best: 0.8125, startedAt: Fixture.t0, duration: 1520, engine: .done)
        a.history = [0.2, 0.35, 0.35, 0.6, 0.6, 0.71, 0.71, 0.71, 0.8125]
        a.bestParams = [("++algorithm.learning_rate", .float(0.0012)), ("++algorithm.critic_select", .string("min"))]
        var b = StudyListRow(name: "reach-sac-last-week", direction: .maximize, counts: [.complete: 30],
                             best: 0.74, startedAt: Fixture.t0.addingTimeInterval(-7 * 86400), duration: 3000, engine: .stopped)
        b.history = [0.1, 0.4, 0.5, 0.52, 0.6, 0.6, 0.74]
        b.bestParams = [("++algorithm.learning_rate", .float(0.003)), ("++algorithm.critic_select", .string("max"))]
        var c = StudyListRow(name: "running-now", direction: .maximize, counts: [.running: 2], best: nil, startedAt: Fixture.t0,
                             duration: 60, engine: .running(host: "node07", pid: 4242))
        c.history = []
        return [a, b, c]
    }

    func testMarkAndCompareTwoStudies() {
        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
            var s = StudiesBrowserState(rows: rows(), source: "studies.db", now: Fixture.t0)
            _ = update(&s, .key(.char("c")))
            XCTAssertNil(s.comparing)
            XCTAssertEqual(s.status, "mark two or more studies with Space, then c compares them")
            _ = update(&s, .key(.char(" ")))
            _ = update(&s, .key(.char(" ")))
            XCTAssertEqual(s.marked, ["reach-sac", "reach-sac-last-week"])
            assertGolden(render(s, size: size), "studies-marked-\(size.width)x\(size.height)")
            _ = update(&s, .key(.char("c")))
            XCTAssertEqual(s.comparing, ["reach-sac", "reach-sac-last-week"])
            let buf = render(s, size: size)
            assertGolden(buf, "studies-compare-\(size.width)x\(size.height)")
            let text = buf.plainText().joined(separator: "\n")
            XCTAssertTrue(text.contains("0.8125") && text.contains("0.74"), text)
            XCTAssertTrue(text.contains("learning_rate"), text)
            _ = update(&s, .key(.escape))
            XCTAssertNil(s.comparing)
        }
    }

    func testDeleteAndRenameAskFirst() {
        var s = StudiesBrowserState(rows: rows(), source: "studies.db", now: Fixture.t0)
        XCTAssertEqual(update(&s, .key(.char("D"))), [])
        XCTAssertEqual(s.confirm, .delete("reach-sac"))
        XCTAssertTrue(render(s, size: Size(width: 80, height: 24)).plainText().joined().contains("delete study reach-sac?"))
        XCTAssertEqual(update(&s, .key(.char("n"))), [])
        XCTAssertEqual(s.rows.count, 3, "n keeps it")
        _ = update(&s, .key(.char("D")))
        XCTAssertEqual(update(&s, .key(.char("y"))), [.deleteStudy("reach-sac")])
        XCTAssertEqual(s.rows.map(\.name), ["reach-sac-last-week", "running-now"])
        _ = update(&s, .key(.char("R")))
        XCTAssertEqual(s.confirm, .rename("reach-sac-last-week", draft: "reach-sac-last-week"))
        for _ in 0..<"last-week".count { _ = update(&s, .key(.backspace)) }
        for c in "old" { _ = update(&s, .key(.char(c))) }
        XCTAssertEqual(update(&s, .key(.enter)), [.renameStudy("reach-sac-last-week", to: "reach-sac-old")])
        XCTAssertEqual(s.rows.first?.name, "reach-sac-old")
        _ = update(&s, .key(.end))
        XCTAssertEqual(update(&s, .key(.char("D"))), [], "a running study is not deleted")
        XCTAssertNil(s.confirm)
        XCTAssertTrue(s.status?.contains("is running") ?? false)
    }
}
