import Foundation
import GRDB
import HyperOpt

/// The scheduler's sink for one study of a store: each tick's events are committed in one
/// transaction before the scheduler hands them to anyone else, and running trials' heartbeats
/// are refreshed so a later engine can tell they were orphaned.
public struct StoreSink: EventSink {
    public let store: StudyStore
    public let studyID: Int

    public init(store: StudyStore, studyID: Int) {
        self.store = store
        self.studyID = studyID
    }

    /// Each write first checks that the store's file is still the one opened: writes into a deleted
    /// file reach nobody, and the study must hear of it (`StoreError.fileGone`).
    public func record(_ events: [EngineEvent]) throws {
        try store.checkFile()
        try store.record(events, studyID: studyID)
    }

    public func heartbeat(running: [Int], at date: Date) throws {
        try store.checkFile()
        try store.heartbeat(studyID: studyID, trials: running, at: date)
    }

    public var journal: StoreJournal? { StoreJournal(storePath: store.path, studyID: studyID) }
}

extension StudyStore {
    /// Gives a study a new name (for `run --new`, which keeps the old study under another name).
    public func renameStudy(id: Int, to name: String) throws {
        try pool.write { db in
            try Self.requireStudy(db, id)
            if try Int.fetchOne(db, sql: "SELECT study_id FROM studies WHERE study_name = ?", arguments: [name]) != nil {
                throw StoreError.studyExists(name: name)
            }
            try db.execute(sql: "UPDATE studies SET study_name = ? WHERE study_id = ?", arguments: [name, id])
        }
    }
}

extension StudyStore {
    /// Removes a study and everything of it from the store: its Optuna rows (trials, values,
    /// parameters, attributes, notes) and hypertop's (events, metrics). Refused while an engine
    /// that is alive runs it.
    public func deleteStudy(id: Int) throws {
        if case .running(let owner) = try engineState(studyID: id), let name = try studies().first(where: { $0.studyID == id })?.name {
            throw StoreError.studyRunning(name: name, pid: owner.pid, host: owner.host)
        }
        try pool.write { db in
            try Self.requireStudy(db, id)
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            var byStudy: [String] = [], byTrial: [String] = []
            for table in tables where table != "studies" && table != "trials" {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(table)\")").map { $0["name"] as String }
                if columns.contains("study_id") { byStudy.append(table) } else if columns.contains("trial_id") { byTrial.append(table) }
            }
            for table in byTrial {
                try db.execute(sql: "DELETE FROM \"\(table)\" WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)", arguments: [id])
            }
            for table in byStudy { try db.execute(sql: "DELETE FROM \"\(table)\" WHERE study_id = ?", arguments: [id]) }
            try db.execute(sql: "DELETE FROM trials WHERE study_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM studies WHERE study_id = ?", arguments: [id])
        }
    }
}
