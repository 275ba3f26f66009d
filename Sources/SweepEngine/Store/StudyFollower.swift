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
    private var cursor: Int64 = -1
    private var fingerprint: [Int64] = []

    public init(store: StudyStore, studyID: Int) {
        self.store = store
        self.studyID = studyID
    }

    public mutating func poll() throws -> Update {
        if cursor < 0 {
            let (study, at) = try store.snapshot(studyID: studyID)
            cursor = at
            if at == 0 { fingerprint = try store.trialsFingerprint(studyID: studyID) }
            return .study(study)
        }
        if cursor == 0 {
            // Either an Optuna-written study, or ours before its first event: look at both.
            if try store.latestEventID(studyID: studyID) > 0 {
                let (study, at) = try store.snapshot(studyID: studyID)
                cursor = at
                return .study(study)
            }
            let now = try store.trialsFingerprint(studyID: studyID)
            guard now != fingerprint else { return .none }
            fingerprint = now
            return .study(try store.loadStudy(id: studyID))
        }
        let (events, next) = try store.events(studyID: studyID, after: cursor)
        cursor = next
        return events.isEmpty ? .none : .events(events)
    }
}

extension StudyStore {
    func latestEventID(studyID: Int) throws -> Int64 {
        try pool.read { db in try lastEventID(db, studyID) }
    }

    /// Changes whenever a trial is added, finishes, or reports an intermediate value.
    func trialsFingerprint(studyID: Int) throws -> [Int64] {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*), max(t.trial_id), count(t.datetime_complete),
                       (SELECT count(*) FROM trial_intermediate_values v JOIN trials u ON u.trial_id = v.trial_id WHERE u.study_id = ?),
                       (SELECT count(*) FROM trials WHERE study_id = ? AND state = 'RUNNING')
                FROM trials t WHERE t.study_id = ?
                """, arguments: [studyID, studyID, studyID])
            return (0..<5).map { (row?[$0] as Int64?) ?? 0 }
        }
    }
}
