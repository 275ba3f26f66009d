import Foundation
import HyperOpt
import XCTest
import StudyReports
@testable import SweepEngine

/// Notes live where optuna-dashboard keeps them: one written here is read by its own reader, one
/// it writes is read here, and both are part of `studies --export`.
final class StudyNotesTests: XCTestCase {
    func testNotesRoundTripWithOptunaDashboard() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let info = StoreFixtures.info(dir: dir)
        let id = try store.createStudy(info)
        try store.record(StoreFixtures.sampleEvents(), studyID: id)
        // Longer than one chunk (2,045 characters), with characters outside ASCII.
        let long = String(repeating: "lr 3e-4 looks flaky on node7 — 🚀 ", count: 150)
        XCTAssertGreaterThan(long.unicodeScalars.count, 2 * StudyNotes.chunkLength)
        try store.saveNote(studyID: id, trial: 1, body: long)
        try store.saveNote(studyID: id, trial: nil, body: "first note")
        try store.saveNote(studyID: id, trial: nil, body: "## Study\nsecond, shorter")

        let out = try StoreFixtures.python("""
            import json, optuna
            from optuna_dashboard._note import get_note_from_system_attrs, save_note_with_version
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            storage = optuna.storages.RDBStorage("sqlite:///hypertop.db")
            s = optuna.load_study(study_name="reach", storage=storage)
            attrs = storage.get_study_system_attrs(s._study_id)
            t1 = s.trials[1]
            print(json.dumps({"trial": get_note_from_system_attrs(attrs, t1._trial_id), "study": get_note_from_system_attrs(attrs, None)}))
            # optuna-dashboard writes a note on trial 0 as its web page does.
            save_note_with_version(storage, s._study_id, s.trials[0]._trial_id, 1, "written by optuna-dashboard")
            """, in: dir)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String: Any]])
        XCTAssertEqual(json["trial"]?["body"] as? String, long)
        XCTAssertEqual(json["trial"]?["version"] as? Int, 1)
        XCTAssertEqual(json["study"]?["body"] as? String, "## Study\nsecond, shorter", "the shorter note replaced the longer")
        XCTAssertEqual(json["study"]?["version"] as? Int, 2)

        let notes = try store.notes(studyID: id)
        XCTAssertEqual(notes.trials[0], "written by optuna-dashboard")
        XCTAssertEqual(notes.trials[1], long)
        XCTAssertEqual(notes.study, "## Study\nsecond, shorter")

        let url = dir.appendingPathComponent("reach.json")
        try StudyExport.write(store.loadStudy(id: id), notes: store.notes(studyID: id), to: url.deletingPathExtension())
        let exported = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        XCTAssertEqual(exported["note"] as? String, "## Study\nsecond, shorter")
        let trials = try XCTUnwrap(exported["trials"] as? [[String: Any]])
        XCTAssertEqual(trials[0]["note"] as? String, "written by optuna-dashboard")
        XCTAssertEqual(trials[1]["note"] as? String, long)
        XCTAssertTrue(trials[2]["note"] is NSNull)
        XCTAssertThrowsError(try store.saveNote(studyID: id, trial: 99, body: "x")) {
            XCTAssertEqual("\($0)", "Study \(id) has no trial #99 in this store.")
        }
    }

    /// A note saved from the text it was made from (`base`) loses nothing that optuna-dashboard
    /// wrote meanwhile: an added line goes after its text; a changed line is refused.
    func testASaveNeverLosesWhatOptunaDashboardWroteMeanwhile() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record(StoreFixtures.sampleEvents(), studyID: id)
        XCTAssertEqual(try store.saveNote(studyID: id, trial: 0, body: "ours", base: "").text, "ours")
        // The dashboard's copy says "ours"; optuna-dashboard's web page then adds a line.
        _ = try StoreFixtures.python("""
            import optuna
            from optuna_dashboard._note import save_note_with_version
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            storage = optuna.storages.RDBStorage("sqlite:///hypertop.db")
            s = optuna.load_study(study_name="reach", storage=storage)
            save_note_with_version(storage, s._study_id, s.trials[0]._trial_id, 2, "ours\\ntheirs")
            """, in: dir)
        let written = try store.saveNote(studyID: id, trial: 0, body: "ours\nmine", base: "ours")
        XCTAssertEqual(written, SavedNote(text: "ours\ntheirs\nmine", addedToLinesBy: "optuna-dashboard"),
                       "the added line goes after what optuna-dashboard wrote, and it is named")
        XCTAssertEqual(try store.notes(studyID: id).trials[0], "ours\ntheirs\nmine")
        // A correction made from a text that is no longer there is refused; theirs stays.
        XCTAssertThrowsError(try store.saveNote(studyID: id, trial: 0, body: "ours\ntheirs\nmy line", base: "ours\nmine")) {
            // The last version is the merged one this process wrote.
            XCTAssertEqual($0 as? StoreError, .noteChanged(trial: 0, by: NoteWriter.current(program: "hypertop").description))
            XCTAssertTrue("\($0)".hasPrefix("The note on trial 0 changed in the store while it was edited"), "\($0)")
        }
        XCTAssertEqual(try store.notes(studyID: id).trials[0], "ours\ntheirs\nmine")
        XCTAssertEqual(try store.saveNote(studyID: id, trial: 0, body: "ours\ntheirs\nmy line", base: "ours\ntheirs\nmine").text,
                       "ours\ntheirs\nmy line", "from the text as it is, the correction is written")
        // A correction that only lengthens the last line is a correction too, not an added line.
        try store.saveNote(studyID: id, trial: 0, body: "ours\ntheirs\nmy line\nanother writer")
        XCTAssertThrowsError(try store.saveNote(studyID: id, trial: 0, body: "ours\ntheirs\nmy line!", base: "ours\ntheirs\nmy line"))
        XCTAssertEqual(try store.notes(studyID: id).trials[0], "ours\ntheirs\nmy line\nanother writer")
    }

    /// Issue 27, L13: a note another hypertop (a second `attach`) changed meanwhile is credited
    /// to it, not to optuna-dashboard; one optuna-dashboard changed after it is credited to
    /// optuna-dashboard again. Each writer has its own connection, as two processes do.
    func testANoteChangedMeanwhileIsCreditedToWhoChangedIt() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let first = try StudyStore(path: path)
        let id = try first.createStudy(StoreFixtures.info(dir: dir))
        try first.record(StoreFixtures.sampleEvents(), studyID: id)
        let second = try StudyStore(path: path)
        let one = NoteWriter(program: "hypertop attach", pid: 101, host: "node1")
        let two = NoteWriter(program: "hypertop attach", pid: 202, host: "node2")
        XCTAssertEqual(try first.saveNote(studyID: id, trial: nil, body: "from one", base: "", writer: one).addedToLinesBy, nil)
        // The second attach adds a line to the note as it read it; the first then adds one to its own old copy.
        XCTAssertEqual(try second.saveNote(studyID: id, trial: nil, body: "from one\nfrom two", base: "from one", writer: two).addedToLinesBy, nil)
        let saved = try first.saveNote(studyID: id, trial: nil, body: "from one\nagain one", base: "from one", writer: one)
        XCTAssertEqual(saved, SavedNote(text: "from one\nfrom two\nagain one", addedToLinesBy: "hypertop attach (process 202 on node2)"))
        XCTAssertThrowsError(try second.saveNote(studyID: id, trial: nil, body: "from one\nfrom 2", base: "from one\nfrom two", writer: two)) {
            XCTAssertEqual($0 as? StoreError, .noteChanged(trial: nil, by: "hypertop attach (process 101 on node1)"))
            XCTAssertTrue("\($0)".contains("changed in the store while it was edited (by hypertop attach (process 101 on node1))"), "\($0)")
        }
        // optuna-dashboard's web page writes the next version; the second attach's line goes after it.
        _ = try StoreFixtures.python("""
            import optuna
            from optuna_dashboard._note import save_note_with_version
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            storage = optuna.storages.RDBStorage("sqlite:///hypertop.db")
            s = optuna.load_study(study_name="reach", storage=storage)
            save_note_with_version(storage, s._study_id, None, 4, "from one\\nfrom two\\nagain one\\nfrom the web")
            """, in: dir)
        let last = try second.saveNote(studyID: id, trial: nil, body: "from one\nfrom two\nagain one\nlast", base: "from one\nfrom two\nagain one", writer: two)
        XCTAssertEqual(last, SavedNote(text: "from one\nfrom two\nagain one\nfrom the web\nlast", addedToLinesBy: "optuna-dashboard"))
        XCTAssertEqual(try first.notes(studyID: id).study, "from one\nfrom two\nagain one\nfrom the web\nlast", "optuna-dashboard's format holds only the text")
    }
}

/// Deleting a study takes all of it, and nothing of the others; Python optuna agrees.
final class StudyDeleteTests: XCTestCase {
    func testDeleteRemovesTheStudyAndKeepsTheOthers() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let gone = try store.createStudy(StoreFixtures.info(name: "gone", dir: dir))
        try store.record(StoreFixtures.sampleEvents(), studyID: gone)
        try store.saveNote(studyID: gone, trial: 0, body: "bye")
        let kept = try store.createStudy(StoreFixtures.info(name: "kept", dir: dir))
        try store.record(StoreFixtures.sampleEvents(), studyID: kept)
        let before = try store.loadStudy(id: kept).trials.count
        try store.deleteStudy(id: gone)
        XCTAssertEqual(try store.studies().map(\.name), ["kept"])
        XCTAssertEqual(try store.loadStudy(id: kept).trials.count, before)
        let out = try StoreFixtures.python("""
            import optuna
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            names = [s.study_name for s in optuna.get_all_study_summaries("sqlite:///hypertop.db")]
            s = optuna.load_study(study_name="kept", storage="sqlite:///hypertop.db")
            import sqlite3
            db = sqlite3.connect("hypertop.db")
            orphans = db.execute("SELECT COUNT(*) FROM trials WHERE study_id NOT IN (SELECT study_id FROM studies)").fetchone()[0]
            attrs = db.execute("SELECT COUNT(*) FROM study_system_attributes WHERE study_id NOT IN (SELECT study_id FROM studies)").fetchone()[0]
            params = db.execute("SELECT COUNT(*) FROM trial_params WHERE trial_id NOT IN (SELECT trial_id FROM trials)").fetchone()[0]
            print(names, len(s.trials), orphans, attrs, params)
            """, in: dir)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "['kept'] \(before) 0 0 0")
    }
}
