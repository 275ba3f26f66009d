import Foundation
import GRDB
import HyperOpt

/// Follows a study another process is running, for `hypertop watch`: each `poll()` says what
/// changed since the last one. Studies hypertop records come as their new events; a study Python
/// optuna is running (no event log) is reloaded whole when its trials changed.
public struct StudyFollower: Sendable {
    public enum Update: Sendable {
        /// Nothing was recorded since the last poll.
        case none
        /// Apply these to the study you hold, in order.
        case events([EngineEvent])
        /// Replace the study you hold (the first poll, and every change of an Optuna-written study).
        case study(Study)
    }

    public let store: StudyStore
    public let studyID: Int
    private var cursor: Int64?
    private var hasLog = false
    private var fingerprint: [Int64] = []

    public init(store: StudyStore, studyID: Int) {
        self.store = store
        self.studyID = studyID
    }

    public mutating func poll() throws -> Update {
        guard let cursor else { return try reload() }
        if hasLog {
            let (events, next) = try store.events(studyID: studyID, after: cursor)
            self.cursor = next
            return events.isEmpty ? .none : .events(events)
        }
        // hypertop may start recording a study Python optuna began: then follow its log.
        if try store.hasEventLog(studyID: studyID) { return try reload() }
        guard try store.trialsFingerprint(studyID: studyID) != fingerprint else { return .none }
        return try reload()
    }

    private mutating func reload() throws -> Update {
        hasLog = try store.hasEventLog(studyID: studyID)
        if !hasLog { fingerprint = try store.trialsFingerprint(studyID: studyID) }
        let (study, at) = try store.snapshot(studyID: studyID)
        cursor = at
        return .study(study)
    }
}

extension StudyStore {
    /// Whether hypertop has recorded events for the study (false for a study only Python optuna wrote).
    public func hasEventLog(studyID: Int) throws -> Bool {
        try pool.read { db in try eventTablesExist(db) && Self.hasEvents(db, studyID) }
    }

    /// Changes whenever a trial is added or finishes, or any trial of the file reports a value.
    /// Cheap on a big file: the two maxima are primary-key looks, the counts use the study index.
    func trialsFingerprint(studyID: Int) throws -> [Int64] {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*), ifnull(max(trial_id), 0), count(datetime_complete),
                       (SELECT ifnull(max(trial_intermediate_value_id), 0) FROM trial_intermediate_values),
                       (SELECT ifnull(max(trial_value_id), 0) FROM trial_values)
                FROM trials WHERE study_id = ?
                """, arguments: [studyID])
            return (0..<5).map { (row?[$0] as Int64?) ?? 0 }
        }
    }
}
