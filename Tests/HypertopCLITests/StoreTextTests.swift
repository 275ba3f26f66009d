import Foundation
import TestSupport
import XCTest

/// What a store made by Python optuna holds (study names, choices) reaches the terminal as the
/// user wrote it where it can, and never as a control sequence (issue 27).
final class StoreTextTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws {
        project = try SweepProject("storetext")
    }

    override func tearDownWithError() throws {
        project?.remove()
    }

    /// Studies made by optuna in `c.db`: each name with six trials over the choices `中文`,
    /// `β-adam` and `x😀` and a float.
    private func makeStudies(_ names: [String]) throws {
        let python = try optunaPython()
        let script = """
            import sys, optuna
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            for name in sys.argv[1:]:
                s = optuna.create_study(study_name=name, storage="sqlite:///c.db", direction="minimize")
                def objective(t):
                    c = t.suggest_categorical("opt", ["中文", "β-adam", "x😀"])
                    return t.suggest_float("lr", 1e-4, 1e-1, log=True) + {"中文": 0, "β-adam": 1, "x😀": 2}[c]
                s.optimize(objective, n_trials=6)
            """
        let r = try runProgram(python, ["-c", script] + names, in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// M8: the studies browser and the study's dashboard in a UTF-8 tmux pane show `研究β`,
    /// `中文` and `x😀` (they were `??β`, `??`, `x?`), in their columns.
    func testWideNamesAndChoicesShowInTheDashboard() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        try makeStudies(["研究β"])
        let pane = TmuxPane(prefix: "hypertop-wide")
        try pane.start("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(SweepProject.binary) studies c.db; sleep 60")
        let (listed, browser) = try pane.waitFor("研究β", seconds: 10)
        XCTAssertTrue(listed, browser)
        XCTAssertFalse(browser.contains("??"), browser)
        try pane.keys("Enter")
        let (found, screen) = try pane.waitFor("x😀", seconds: 8)
        XCTAssertTrue(found, screen)
        XCTAssertTrue(screen.contains(" hypertop  研究β  "), screen)
        XCTAssertFalse(screen.contains("??"), screen)
        // The step column (`-`, after `lr`) is in the same cell on every row, whatever the width
        // of the row's choice: the pane's text has a wide character once, in two cells.
        let rows = screen.split(separator: "\n").filter { $0.contains(" DONE ") }
        XCTAssertEqual(rows.count, 6, screen)
        XCTAssertTrue(rows.contains { $0.contains(" 中文 ") }, screen)
        let columns = Set(rows.map { row -> Int in
            let before = row[..<(row.range(of: " - ")?.lowerBound ?? row.endIndex)]
            return before.unicodeScalars.reduce(0) { $0 + ((0x4E00...0x9FFF).contains($1.value) || $1 == "😀" ? 2 : 1) }
        })
        XCTAssertEqual(columns.count, 1, "the step column starts at cells \(columns)\n\(screen)")
    }

    /// M8: `studies --list` names a study with U+202E as `\u{202E}`, and lines a wide name up
    /// by the cells it takes.
    func testStudiesListSendsNoBidiControlAndLinesUpWideNames() throws {
        try makeStudies(["研究β", "rl\u{202E}evil"])
        let r = try project.run(["studies", "--list", "c.db"], environment: ["LANG": "C.UTF-8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.unicodeScalars.contains("\u{202E}"), r.stdout)
        XCTAssertTrue(r.stdout.contains("rl\\u{202E}evil"), r.stdout)
        let lines = r.stdout.split(separator: "\n")
        let header = try XCTUnwrap(lines.first)
        let wide = try XCTUnwrap(lines.first { $0.hasPrefix("研究β") })
        let direction = try XCTUnwrap(header.range(of: "direction")).lowerBound
        // `研究β` takes 5 cells: 3 characters fewer than the header's before `minimize`.
        XCTAssertEqual(wide.distance(from: wide.startIndex, to: try XCTUnwrap(wide.range(of: "minimize")).lowerBound) + 2,
                       header.distance(from: header.startIndex, to: direction), r.stdout)
    }

    /// L6: an error that quotes a store's study names, or the name a user typed, shows an OSC
    /// sequence (which would set the terminal's title) and U+202E as text, never sends them.
    func testErrorsQuoteStudyNamesAsTextNeverAsControlSequences() throws {
        try makeStudies(["\u{1B}]0;PWNED\u{7}title", "bidi\u{202E}x"])
        func assertShownNotSent(_ r: SweepProject.Output, _ quoted: [String], file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
            let raw: [Unicode.Scalar] = ["\u{1B}", "\u{7}", "\u{202E}"]
            XCTAssertFalse((r.stdout + r.stderr).unicodeScalars.contains { raw.contains($0) }, r.stderr.debugDescription, file: file, line: line)
            for text in quoted { XCTAssertTrue(r.stderr.contains(text), "\(text) in \(r.stderr)", file: file, line: line) }
        }
        // The store's names, listed after "it has:".
        assertShownNotSent(try project.run(["best", "nosuch", "--storage", "c.db"]),
                           ["it has: \\u{1B}]0;PWNED\\u{7}title, bidi\\u{202E}x."])
        // The name the user typed, quoted back.
        assertShownNotSent(try project.run(["studies", "c.db", "--export", "\u{1B}]0;X\u{7}\u{202E}"]),
                           ["no study named \"\\u{1B}]0;X\\u{7}\\u{202E}\""])
    }

    /// An optuna study `esc` whose categorical values hold ESC and U+202E, in `e.db`.
    private func makeStudyWithControlsInValues() throws {
        let python = try optunaPython()
        let script = """
            import optuna
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            s = optuna.create_study(study_name="esc", storage="sqlite:///e.db")
            def objective(t):
                c = t.suggest_categorical("c", ["a\\x1b[31mb", "plain", "q\\u202er"])
                return t.suggest_float("x", 0, 1) + (0.5 if c == "plain" else 0)
            s.optimize(objective, n_trials=12)
            """
        let r = try runProgram(python, ["-c", script], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// L1: the report of a study with ESC in a categorical value: SVGs that parse as XML (by
    /// Python's xml.etree), their PNGs by the real rsvg-convert, and a report.md without ESC.
    func testAReportOfValuesWithControlsIsValidSVGWithPNGs() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") else {
            throw missingTool("rsvg-convert is not installed (apt-get install librsvg2-bin)")
        }
        try makeStudyWithControlsInValues()
        let r = try project.run(["report", "esc", "--storage", "e.db", "--out", "rep"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("with history.svg, importance.svg, slices.svg and their PNGs"), r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains("not installed"), r.stdout)
        let parse = try runProgram(try optunaPython(), ["-c", "import sys, xml.etree.ElementTree as E\nfor f in sys.argv[1:]: E.parse(f)",
                                                         "rep/history.svg", "rep/importance.svg", "rep/slices.svg"],
                                   in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(parse.status, 0, parse.stderr)
        for png in ["history", "importance", "slices"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: project.path("rep/\(png).png")), png)
        }
        let md = try String(contentsOfFile: project.path("rep/report.md"), encoding: .utf8)
        XCTAssertFalse(md.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" }, md)
        XCTAssertTrue(md.contains("a\\u{1B}[31mb"), md)
        XCTAssertTrue(md.contains("![importance](importance.png)"), md)
    }

    /// L1: a conversion rsvg-convert refuses (here: its PNG's path is a directory) is said as
    /// what it is, the file and rsvg-convert's own line, not as a missing tool; the other charts
    /// still get their PNGs, and the report shows that one as SVG.
    func testAFailedPNGConversionSaysWhichFileAndWhy() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") else {
            throw missingTool("rsvg-convert is not installed (apt-get install librsvg2-bin)")
        }
        try makeStudyWithControlsInValues()
        try FileManager.default.createDirectory(atPath: project.path("rep/importance.png"), withIntermediateDirectories: true)
        let r = try project.run(["report", "esc", "--storage", "e.db", "--out", "rep"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse((r.stdout + r.stderr).contains("not installed"), r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("and the PNGs of history.svg, slices.svg"), r.stdout)
        let complaint = try XCTUnwrap(r.stderr.split(separator: "\n").first { $0.contains("rsvg-convert could not convert rep/importance.svg") }, r.stderr)
        XCTAssertTrue(complaint.contains("importance.png") && complaint.contains("Is a directory"), String(complaint))
        let md = try String(contentsOfFile: project.path("rep/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("![importance](importance.svg)") && md.contains("![history](history.png)"), md)
    }
}
