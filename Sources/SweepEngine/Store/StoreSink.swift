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

    public func record(_ events: [EngineEvent]) throws {
        try store.record(events, studyID: studyID)
    }

    public func heartbeat(running: [Int], at date: Date) throws {
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
