import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// Text as the terminal lays it out: East Asian wide characters and emoji in two cells, combining
/// marks on their character, controls and bidi controls as blanks (issue 27, M8).
final class WideTextTests: XCTestCase {
    func testAWideCharacterTakesItsCellAndAContinuation() {
        var buf = xBuffer(10, 1)
        XCTAssertEqual(buf.put("a中b\tx😀!", x: 0, y: 0), 9)
        XCTAssertEqual(buf.plainText(), ["a中b x😀!x"])
        XCTAssertEqual(buf[1, 0].char, "中")
        XCTAssertTrue(buf[2, 0].isContinuation)
        XCTAssertEqual(buf[3, 0].char, "b")
        XCTAssertEqual(buf[4, 0].char, " ", "a tab is a blank")
        XCTAssertEqual(buf[6, 0].char, "😀")
        XCTAssertTrue(buf[7, 0].isContinuation)
        XCTAssertEqual(buf[8, 0].char, "!")
    }

    func testAWideCharacterThatDoesNotFitIsABlankNeverHalfACharacter() {
        var buf = xBuffer(6, 2)
        XCTAssertEqual(buf.put("ab中文", x: 0, y: 0, maxWidth: 3), 3)
        XCTAssertEqual(buf.put("abc中", x: 0, y: 1), 5)
        buf.put("中", x: 5, y: 1)
        XCTAssertEqual(buf.plainText(trimTrailing: false), ["ab xxx", "abc中 "])
        XCTAssertFalse(buf.cells.enumerated().contains { i, c in c.isContinuation && (i % 6 == 0 || buf.cells[i - 1].isContinuation) })
    }

    func testWritingOverHalfAWideCharacterBlanksItsOtherHalf() {
        var buf = xBuffer(8, 1)
        buf.put("中文字", x: 0, y: 0)
        buf.set(1, 0, "z", .plain)
        XCTAssertEqual(buf.plainText(), [" z文字xx"], "the left half alone would show half a glyph")
        buf.put("q", x: 2, y: 0)
        XCTAssertEqual(buf.plainText(), [" zq 字xx"])
        buf.fill(Rect(x: 5, y: 0, width: 1, height: 1), with: Cell("."))
        XCTAssertEqual(buf.plainText(), [" zq  .xx"])
        XCTAssertFalse(buf.cells.contains(where: \.isContinuation))
        buf.put("日本", x: 1, y: 0)
        XCTAssertEqual(buf.plainText(), [" 日本.xx"])
        buf[3, 0].style = Style(reverse: true)
        XCTAssertEqual(buf.plainText(), [" 日本.xx"], "a style alone keeps the character")
        XCTAssertTrue(buf[4, 0].isContinuation)
    }

    func testCombiningMarksJoinTheirCharacter() {
        var buf = xBuffer(6, 1)
        XCTAssertEqual(buf.put("e\u{301}a\u{308}\u{301}!", x: 0, y: 0), 3)
        XCTAssertEqual(buf.plainText(), ["e\u{301}a\u{308}\u{301}!xxx"])
        XCTAssertEqual(buf.marks(0, 0), ["\u{301}"])
        XCTAssertEqual(buf.marks(1, 0), ["\u{308}", "\u{301}"])
        buf.put("o", x: 0, y: 0)
        XCTAssertEqual(buf.marks(0, 0), [], "a new character drops the old one's marks")
        XCTAssertEqual(buf.plainText(), ["oa\u{308}\u{301}!xxx"])
    }

    func testControlsAndBidiControlsAreBlanks() {
        for bidi in ["\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}",
                     "\u{200E}", "\u{200F}", "\u{061C}", "\u{1B}", "\u{9B}", "\u{7F}"] {
            var buf = xBuffer(8, 1)
            XCTAssertEqual(buf.put("rl\(bidi)evil", x: 0, y: 0), 7)
            XCTAssertEqual(buf.plainText(), ["rl evilx"], "U+\(String(bidi.unicodeScalars.first!.value, radix: 16))")
        }
    }

    func testTruncationAndPaddingCountCells() {
        XCTAssertEqual(Format.width("研究β"), 5)
        XCTAssertEqual(Format.width("e\u{301}"), 1)
        XCTAssertEqual(Format.truncate("中文", 4), "中文")
        XCTAssertEqual(Format.truncate("中文", 3), "中…")
        XCTAssertEqual(Format.truncate("中文", 2), "…", "the ellipsis takes the place of the split character")
        XCTAssertEqual(Format.truncate("x😀y", 2), "x…")
        XCTAssertEqual(Format.truncate("e\u{301}tude", 3), "e\u{301}t…")
        XCTAssertEqual(Format.pad("中文", 6), "中文  ")
        XCTAssertEqual(Format.pad("中文", 6, right: true), "  中文")
        XCTAssertEqual(Format.pad("中文", 3), "中 ")
        XCTAssertEqual(Format.prefix("a中b", cells: 2), "a")
    }

    /// The repro's choices in a table: `中文`, `β-adam` and `x😀` stay distinct, and the column
    /// after them starts in the same cell on every row.
    func testATableOfWideChoicesLinesUp() {
        let rows: [[String]] = [["中文", "1"], ["β-adam", "2"], ["x😀", "3"], ["中文字符", "4"]]
        let table = Table(columns: [TableColumn("opt", width: 6), TableColumn("n", width: 2, alignRight: true)], count: rows.count,
                          scroll: TableScroll()) { i in rows[i].map { .text($0) } }
        var buf = xBuffer(10, 5)
        table.render(Rect(x: 0, y: 0, width: 10, height: 5), &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), ["opt     n", "中文    1", "β-adam  2", "x😀     3", "中文…   4"])
        for y in 1...4 {
            XCTAssertEqual(buf[8, y].char, Unicode.Scalar(UInt8(ascii: "0") + UInt8(y)), "row \(y): the second column's cell")
            XCTAssertEqual(buf[6, y].char, " ", "row \(y): the gap between the columns")
        }
    }

    /// The repro's study (`研究β`, choices `中文`, `β-adam`, `x😀`, a wide metric name and one
    /// with U+202E) on the main screen and a trial's detail.
    func testAStudyWithWideNamesOnScreen() {
        let space = SearchSpace([
            Parameter(name: "opt", distribution: .categorical(choices: [.string("中文"), .string("β-adam"), .string("x😀")])),
            Parameter(name: "lr", distribution: .float(low: 1e-4, high: 1e-1, log: true, step: nil)),
        ])
        let spec = StudySpec(studyName: "研究β", maxTrials: 6, nJobs: 2, direction: .minimize, maxDurationMinutes: nil,
                             space: space, sampler: .tpe(TPEOptions()), criterion: "評価/損失", nEpochs: 3, evalAfterNSteps: 100)
        let info = StudyInfo(spec: spec, sweepDir: "data/研究β", stopFile: "delete_me_to_stop_hyperopt", pauseFile: "pause_hyperopt",
                             startedAt: Fixture.t0)
        var events: [EngineEvent] = [.started(info)]
        let choices = ["中文", "β-adam", "x😀"]
        for i in 0..<6 {
            let params: Params = ["opt": .string(choices[i % 3]), "lr": .float([1e-3, 3e-2, 2e-4][i % 3])]
            events.append(.launched(TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: params, runDir: "data/研究β/\(i)",
                                                command: ["job", "opt=\(choices[i % 3])"], startedAt: Fixture.t0.addingTimeInterval(Double(i) * 10))))
            let rows = (0..<3).map { e -> MetricRow in
                let loss: Double = Double(i % 3) + 1 / Double(e + 1)
                return MetricRow(step: (e + 1) * 100, values: ["評価/損失": loss, "rl\u{202E}evil": Double(e)])
            }
            events.append(.metrics(trial: i, rows: rows))
            if i < 5 {
                events.append(.finished(TrialOutcome(number: i, state: .complete, score: Double(i % 3) + 0.25, reason: nil, exitStatus: 0,
                                                     signal: nil, endedAt: Fixture.t0.addingTimeInterval(Double(i) * 10 + 30))))
            }
        }
        var s = DashboardState(mode: .live, glyphs: .unicode, now: Fixture.t0, size: Size(width: 120, height: 40))
        _ = update(&s, .events(events))
        _ = update(&s, .tick(Fixture.t0.addingTimeInterval(120)))
        let main = render(s, size: Size(width: 120, height: 40))
        assertGolden(main, "wide-120x40")
        let text = main.plainText().joined(separator: "\n")
        for shown in ["研究β", "中文", "x😀", "β-adam"] { XCTAssertTrue(text.contains(shown), shown) }
        XCTAssertFalse(main.plainText().joined().unicodeScalars.contains(where: ProcessText.isControl))
        _ = update(&s, .key(.enter))
        let detail = render(s, size: Size(width: 120, height: 40))
        assertGolden(detail, "wide-detail-120x40")
        let detailText = detail.plainText().joined(separator: "\n")
        XCTAssertTrue(detailText.contains("評価/損失"), detailText)
        XCTAssertTrue(detailText.contains("rl evil"), detailText)
        XCTAssertFalse(detail.plainText().joined().unicodeScalars.contains(where: ProcessText.isControl))
    }
}
