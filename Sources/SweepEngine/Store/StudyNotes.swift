import Foundation
import GRDB
import HyperOpt

extension StudyStore {
    /// Every note of the study: its own and its trials'.
    public func notes(studyID: Int) throws -> StudyNotes {
        try pool.read { db in
            var attrs: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT \"key\", value_json FROM study_system_attributes WHERE study_id = ? AND \"key\" LIKE 'dashboard:%'",
                                        arguments: [studyID]) {
                attrs[row["key"]] = row["value_json"]
            }
            func body(_ trialID: Int64?) -> String? { Self.noteText(attrs, trialID) }
            var notes = StudyNotes(study: body(nil) ?? "")
            for row in try Row.fetchAll(db, sql: "SELECT trial_id, number FROM trials WHERE study_id = ?", arguments: [studyID]) {
                let id: Int64 = row["trial_id"], number: Int = row["number"]
                if let text = body(id), !text.isEmpty { notes.trials[number] = text }
            }
            return notes
        }
    }

    /// Replaces the note of the study (`trial` nil) or of one trial, as optuna-dashboard's
    /// `save_note` does: the version goes up by one, the text is written in chunks, and chunks
    /// left from a longer note are emptied.
    ///
    /// With `base`, the text `body` was made from, nothing is lost to another writer (optuna-
    /// dashboard) that changed the note meanwhile: if the note no longer says `base`, a `body`
    /// that only adds lines after `base` gets them added to what the note says now, and any other change throws
    /// `StoreError.noteChanged`. Returns the text written.
    @discardableResult
    public func saveNote(studyID: Int, trial number: Int?, body: String, base: String? = nil) throws -> String {
        try pool.write { db in
            var trialID: Int64?
            if let number {
                guard let id = try Int64.fetchOne(db, sql: "SELECT trial_id FROM trials WHERE study_id = ? AND number = ?",
                                                  arguments: [studyID, number]) else {
                    throw StoreError.unknownTrial(studyID: studyID, number: number)
                }
                trialID = id
            }
            let verKey = StudyNotes.verKey(trialID), prefix = StudyNotes.strPrefix(trialID)
            var body = body
            if let base {
                var attrs: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT \"key\", value_json FROM study_system_attributes WHERE study_id = ? AND (\"key\" = ? OR \"key\" LIKE ?)",
                                            arguments: [studyID, verKey, prefix + "%"]) {
                    attrs[row["key"]] = row["value_json"]
                }
                let now = Self.noteText(attrs, trialID) ?? ""
                if now != base {
                    // Only whole lines added after `base` are carried over ("a\nb" to "a\nbc" is a correction).
                    let head = base.isEmpty ? "" : base + "\n"
                    guard body.hasPrefix(head), body.count > head.count else { throw StoreError.noteChanged(trial: number) }
                    let added = body.dropFirst(head.count)
                    body = now.isEmpty ? String(added) : now + "\n" + added
                }
            }
            let old = try String.fetchOne(db, sql: "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND \"key\" = ?",
                                          arguments: [studyID, verKey]).flatMap { Int($0) } ?? 0
            try Self.setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID), key: verKey, json: String(old + 1))
            let chunks = StudyNotes.chunks(body)
            for (i, chunk) in chunks.enumerated() {
                try Self.setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID),
                                      key: prefix + String(i), json: JSONText.quote(chunk))
            }
            let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM study_system_attributes WHERE study_id = ? AND \"key\" LIKE ?",
                                            arguments: [studyID, prefix + "%"]) ?? 0
            if existing > chunks.count {
                for i in chunks.count..<existing {
                    try Self.setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID),
                                          key: prefix + String(i), json: "\"\"")
                }
            }
            return body
        }
    }

    /// A note's text from its attributes (key to JSON value), nil when it was never written.
    static func noteText(_ attrs: [String: String], _ trialID: Int64?) -> String? {
        guard attrs[StudyNotes.verKey(trialID)] != nil else { return nil }
        var text = ""
        var i = 0
        while let json = attrs[StudyNotes.strPrefix(trialID) + String(i)] {
            text += (try? JSONDecoder().decode(String.self, from: Data(json.utf8))) ?? ""
            i += 1
        }
        return text
    }
}
