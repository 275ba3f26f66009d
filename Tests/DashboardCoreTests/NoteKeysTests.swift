import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// `n` and `N`: a line added to the note of the trial in focus, or of the study; saved through
/// an effect; notes from the store (optuna-dashboard's too) shown in the trial's detail.
final class NoteKeysTests: XCTestCase {
    func type(_ s: inout DashboardState, _ text: String) {
        for c in text { _ = update(&s, .key(.char(c))) }
    }

    func testNAddsALineToTheSelectedTrialsNote() {
        var s = Fixture.state()
        _ = update(&s, .notes(StudyNotes(study: "", trials: [1: "from optuna-dashboard"])))
        _ = update(&s, .key(.down))
        _ = update(&s, .key(.char("n")))
        XCTAssertEqual(s.overlay, .note(trial: 1, draft: ""))
        type(&s, "flaky node? q")
        _ = update(&s, .key(.backspace))
        XCTAssertEqual(s.overlay, .note(trial: 1, draft: "flaky node? "), "keys go to the note, q does not quit")
        assertGolden(render(s, size: Size(width: 80, height: 24)), "note-80x24")
        let effects = update(&s, .key(.enter))
        XCTAssertEqual(effects, [.saveNote(trial: 1, body: "from optuna-dashboard\nflaky node? ", base: "from optuna-dashboard")], "a line is added, nothing is lost")
        XCTAssertNil(s.overlay)
        XCTAssertEqual(s.notes.trials[1], "from optuna-dashboard\nflaky node? ")
        _ = update(&s, .key(.enter))
        XCTAssertTrue(render(s, size: Size(width: 120, height: 40)).plainText().contains { $0.contains("note: from optuna-dashboard") },
                      "the detail shows the trial's note")
    }

    /// Up takes the note's last line back into the draft: Enter replaces it (the lines before
    /// stay), an emptied line is removed, an unchanged one saves nothing.
    func testUpEditsTheLastLineOnly() {
        var s = Fixture.state()
        _ = update(&s, .notes(StudyNotes(study: "", trials: [1: "from optuna-dashboard\nflaky nod"])))
        _ = update(&s, .key(.down))
        _ = update(&s, .key(.char("n")))
        _ = update(&s, .key(.up))
        XCTAssertEqual(s.overlay, .note(trial: 1, draft: "flaky nod", editsLast: true))
        let screen = render(s, size: Size(width: 80, height: 24)).plainText()
        XCTAssertFalse(screen.contains { $0.contains("│ flaky nod ") }, "the line being edited is shown once, in the draft")
        XCTAssertTrue(screen.contains { $0.contains("Enter replaces the last line") }, screen.joined(separator: "\n"))
        _ = update(&s, .key(.up))
        XCTAssertEqual(s.overlay, .note(trial: 1, draft: "flaky nod", editsLast: true), "a second Up changes nothing")
        type(&s, "e?")
        XCTAssertEqual(update(&s, .key(.enter)), [.saveNote(trial: 1, body: "from optuna-dashboard\nflaky node?", base: "from optuna-dashboard\nflaky nod")])

        _ = update(&s, .key(.char("n")))
        _ = update(&s, .key(.up))
        XCTAssertEqual(update(&s, .key(.enter)), [], "unchanged")
        XCTAssertEqual(s.status, "the note is unchanged")

        _ = update(&s, .key(.char("n")))
        _ = update(&s, .key(.up))
        for _ in 0..<20 { _ = update(&s, .key(.backspace)) }
        XCTAssertEqual(update(&s, .key(.enter)), [.saveNote(trial: 1, body: "from optuna-dashboard", base: "from optuna-dashboard\nflaky node?")], "an emptied line goes")
        XCTAssertEqual(s.notes.trials[1], "from optuna-dashboard")

        // The store's copy emptied (by optuna-dashboard) while its last line was taken back:
        // the screen and Enter still work, and the draft becomes the note.
        _ = update(&s, .key(.char("n")))
        _ = update(&s, .key(.up))
        _ = update(&s, .notes(StudyNotes(study: "", trials: [:])))
        _ = render(s, size: Size(width: 80, height: 24))
        XCTAssertEqual(update(&s, .key(.enter)), [.saveNote(trial: 1, body: "from optuna-dashboard", base: "")])

        _ = update(&s, .key(.char("N")))
        _ = update(&s, .key(.up))
        XCTAssertEqual(s.overlay, .note(trial: nil, draft: ""), "no note yet: nothing to take back")
    }

    func testCapitalNIsTheStudysNoteAndEscapeCancels() {
        var s = Fixture.state()
        _ = update(&s, .key(.char("N")))
        XCTAssertEqual(s.overlay, .note(trial: nil, draft: ""))
        type(&s, "lr above 3e-3 diverges")
        XCTAssertEqual(update(&s, .key(.enter)), [.saveNote(trial: nil, body: "lr above 3e-3 diverges", base: "")])
        _ = update(&s, .key(.char("N")))
        type(&s, "never mind")
        XCTAssertEqual(update(&s, .key(.escape)), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(s.notes.study, "lr above 3e-3 diverges")
        _ = update(&s, .key(.char("N")))
        XCTAssertEqual(update(&s, .key(.enter)), [], "an empty line saves nothing")
        XCTAssertEqual(s.status, "empty line: the note is unchanged")
    }
}
