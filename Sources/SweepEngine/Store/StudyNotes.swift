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
    /// left from a longer note are emptied. `writer` is recorded beside it, with its version.
    ///
    /// With `base`, the text `body` was made from, nothing is lost to another writer (optuna-
    /// dashboard, another hypertop) that changed the note meanwhile: if the note no longer says
    /// `base`, a `body` that only adds lines after `base` gets them added to what the note says now,
    /// and any other change throws `StoreError.noteChanged`. Either names that writer.
    @discardableResult
    public func saveNote(studyID: Int, trial number: Int?, body: String, base: String? = nil,
                         writer: NoteWriter = .current(program: "hypertop")) throws -> SavedNote {
        try pool.write { db in
            var trialID: Int64?
            if let number {
                guard let id = try Int64.fetchOne(db, sql: "SELECT trial_id FROM trials WHERE study_id = ? AND number = ?",
                                                  arguments: [studyID, number]) else {
                    throw StoreError.unknownTrial(studyID: studyID, number: number)
                }
                trialID = id
            }
            let verKey = StudyNotes.verKey(trialID), prefix = StudyNotes.strPrefix(trialID), writerKey = NoteWriter.key(trialID)
            let old = try String.fetchOne(db, sql: "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND \"key\" = ?",
                                          arguments: [studyID, verKey]).flatMap { Int($0) } ?? 0
            var body = body
            var changedBy: String?
            if let base {
                var attrs: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT \"key\", value_json FROM study_system_attributes WHERE study_id = ? AND (\"key\" = ? OR \"key\" LIKE ?)",
                                            arguments: [studyID, verKey, prefix + "%"]) {
                    attrs[row["key"]] = row["value_json"]
                }
                let now = Self.noteText(attrs, trialID) ?? ""
                if now != base {
                    // The version now was written by the hypertop that recorded it, else by optuna-dashboard.
                    let recorded = try String.fetchOne(db, sql: "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND \"key\" = ?",
                                                       arguments: [studyID, writerKey]).flatMap(NoteWriter.Record.init(json:))
                    let by = recorded.flatMap { $0.version == old ? $0.writer.description : nil } ?? "optuna-dashboard"
                    // Only whole lines added after `base` are carried over ("a\nb" to "a\nbc" is a correction).
                    let head = base.isEmpty ? "" : base + "\n"
                    guard body.hasPrefix(head), body.count > head.count else { throw StoreError.noteChanged(trial: number, by: by) }
                    let added = body.dropFirst(head.count)
                    body = now.isEmpty ? String(added) : now + "\n" + added
                    changedBy = by
                }
            }
            try Self.setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID), key: verKey, json: String(old + 1))
            try Self.setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID), key: writerKey,
                                  json: NoteWriter.Record(version: old + 1, writer: writer).json)
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
            return SavedNote(text: body, addedToLinesBy: changedBy)
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

/// A note as `StudyStore.saveNote` wrote it.
public struct SavedNote: Sendable, Hashable {
    /// The text written.
    public var text: String
    /// Who changed the note meanwhile (their lines are kept above the added ones); nil when none did.
    public var addedToLinesBy: String?
}

/// A hypertop that writes a note. Each save records its writer beside the note, with the note's
/// version (`hypertop:note_writer`, `hypertop:<trial_id>:note_writer`): a version so recorded was
/// written by that hypertop (another `attach`), any other by optuna-dashboard, which writes these
/// notes without such a record.
public struct NoteWriter: Sendable, Hashable, CustomStringConvertible {
    /// What it is, in the user's words: `hypertop attach`.
    public var program: String
    public var pid: Int32
    public var host: String

    public init(program: String, pid: Int32, host: String) {
        self.program = program
        self.pid = pid
        self.host = host
    }

    /// This process, as `program`.
    public static func current(program: String) -> NoteWriter {
        NoteWriter(program: program, pid: getpid(), host: ProcessInfo.processInfo.hostName)
    }

    /// `hypertop attach (process 12 on node3)`.
    public var description: String { "\(program) (process \(pid) on \(host))" }

    static func key(_ trialID: Int64?) -> String { trialID.map { "hypertop:\($0):note_writer" } ?? "hypertop:note_writer" }

    /// The record beside a note: its version and who wrote it.
    struct Record {
        var version: Int
        var writer: NoteWriter

        var json: String {
            JSONText.object([("version", String(version)), ("program", JSONText.quote(writer.program)),
                             ("pid", String(writer.pid)), ("host", JSONText.quote(writer.host))])
        }

        init(version: Int, writer: NoteWriter) {
            self.version = version
            self.writer = writer
        }

        init?(json: String) {
            guard let v = JSONValue.parse(json), let version = v["version"]?.int, let program = v["program"]?.string,
                  let pid = v["pid"]?.int, let host = v["host"]?.string else { return nil }
            self.init(version: version, writer: NoteWriter(program: program, pid: Int32(clamping: pid), host: host))
        }
    }
}
