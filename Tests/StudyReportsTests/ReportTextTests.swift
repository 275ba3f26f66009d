import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HyperOpt
import StudyReports
import XCTest

/// The report's files hold what a study's names and values hold, but never a character that
/// makes the SVG invalid XML or that `cat report.md` would send to a terminal as a control
/// (issue 27, L1).
final class ReportTextTests: XCTestCase {
    /// A study whose categorical values hold ESC, BEL, U+FFFE and U+202E, and a parameter
    /// named with U+FFFE and an ESC.
    static func study() -> Study {
        let odd = ["a\u{1B}[31mb", "bell\u{7}", "non\u{FFFE}char", "q\u{202E}r", "<&\">"]
        let space = SearchSpace([
            Parameter(name: "c", distribution: .categorical(choices: odd.map { .string($0) })),
            Parameter(name: "x\u{FFFE}\u{1B}y", distribution: .float(low: 0, high: 1, log: false, step: nil)),
        ])
        let spec = StudySpec(studyName: "esc\u{1B}]0;t\u{7}", maxTrials: 10, nJobs: 1, direction: .minimize, space: space,
                             sampler: .random, criterion: "loss")
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        var study = Study()
        study.apply(.started(StudyInfo(spec: spec, sweepDir: "d", stopFile: "s", pauseFile: "p", startedAt: t0)))
        for i in 0..<10 {
            let params: Params = ["c": .string(odd[i % odd.count]), "x\u{FFFE}\u{1B}y": .float(Double(i) / 10)]
            study.apply(.launched(TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: params, runDir: "d/\(i)", command: ["job"],
                                              startedAt: t0.addingTimeInterval(Double(i)))))
            study.apply(.finished(TrialOutcome(number: i, state: .complete, score: Double(i % 5) + Double(i) / 100, reason: nil,
                                               exitStatus: 0, signal: nil, endedAt: t0.addingTimeInterval(Double(i) + 1))))
        }
        return study
    }

    func testChartsOfValuesWithControlsAreXMLThatParses() {
        let charts = StudyCharts(Self.study())
        for (name, svg) in [("history", charts.history()), ("importance", charts.importance()), ("slices", charts.slices())] {
            let parser = XMLParser(data: Data(svg.utf8))
            XCTAssertTrue(parser.parse(), "\(name).svg: \(parser.parserError.map { "\($0)" } ?? "?")\n\(svg)")
            XCTAssertFalse(svg.unicodeScalars.contains { ($0 != "\n" && ProcessText.isControl($0)) || $0.value == 0xFFFE }, name)
        }
        let slices = charts.slices()
        XCTAssertTrue(slices.contains("a\\u{1B}[31mb"), "the value is shown, its ESC as text")
        XCTAssertTrue(slices.contains("x\\u{FFFE}\\u{1B}y"), "so is a parameter's name, U+FFFE too")
        XCTAssertTrue(slices.contains("&lt;&amp;&quot;&gt;"))
    }

    func testTheMarkdownShowsControlsAsText() {
        var notes = StudyNotes()
        notes.study = "first line\nsecond \u{1B}]0;x\u{7} line"
        let md = StudyReport.markdown(Self.study(), notes: notes, storage: "e.db", images: ["history.svg", "importance.svg", "slices.svg"])
        XCTAssertFalse(md.unicodeScalars.contains { $0 != "\n" && ProcessText.isControl($0) }, md.debugDescription)
        XCTAssertTrue(md.contains("# Study esc\\u{1B}]0;t\\u{7}"), md)
        XCTAssertTrue(md.contains("a\\u{1B}[31mb"), md)
        XCTAssertTrue(md.contains("> second \\u{1B}]0;x\\u{7} line"), md)
    }
}
