import Foundation
import GRDB
import HyperOpt

extension StudyStore {
    /// The study as recorded: hypertop's event log replayed, or, for a study Python optuna wrote,
    /// events synthesized from Optuna's tables (parameters decoded through their distributions,
    /// intermediate values as the criterion's series).
    public func loadStudy(id: Int) throws -> Study {
        try snapshot(studyID: id).study
    }

    /// The study and the cursor of its last event, read in one transaction: pass the cursor to
    /// `events(studyID:after:)` to follow the study from there without missing or repeating an event.
    public func snapshot(studyID: Int) throws -> (study: Study, cursor: Int64) {
        try pool.read { db in
            try Self.requireStudy(db, studyID)
            let cursor = try lastEventID(db, studyID)
            var study = Study()
            guard cursor > 0 else {
                for event in try OptunaImport.read(db, studyID: studyID).events { study.apply(event) }
                return (study, 0)
            }
            let rows = try Self.metricRowsByTrial(db, studyID: studyID, upTo: cursor)
            var payloads: [String] = []
            let cursorRows = try Row.fetchCursor(db, sql: """
                SELECT payload FROM hypertop_events
                WHERE study_id = ? AND event_id <= ? AND kind != 'metrics' ORDER BY event_id
                """, arguments: [studyID, cursor])
            while let row = try cursorRows.next() {
                if let payload: String = row[0] { payloads.append(payload) }
            }
            // Metrics of a trial replay right after its launch: the result is the same Study, and
            // the rows go in as one event per trial instead of one per logged row.
            for event in try EventCoding.decodeAll(payloads) {
                study.apply(event)
                if case .launched(let launch) = event, let trialRows = rows[launch.number] {
                    study.apply(.metrics(trial: launch.number, rows: trialRows))
                }
            }
            return (study, cursor)
        }
    }

    /// Events recorded after `cursor` (0 = from the start), in order, at most `limit` of them, and the
    /// cursor to pass next time. Empty for a study with no hypertop event log (use `StudyFollower`).
    public func events(studyID: Int, after cursor: Int64, limit: Int = 20_000) throws -> (events: [EngineEvent], cursor: Int64) {
        guard hasEventTables else { return ([], cursor) }
        return try pool.read { db in
            var kinds: [(id: Int64, trial: Int?, payload: String?)] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT event_id, trial_number, payload FROM hypertop_events
                WHERE study_id = ? AND event_id > ? ORDER BY event_id LIMIT ?
                """, arguments: [studyID, cursor, limit]) {
                kinds.append((row[0], row[1], row[2]))
            }
            guard let last = kinds.last?.id else { return ([], cursor) }
            let keys = try Self.metricKeys(db, studyID)
            var metricRows: [Int64: [MetricRow]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT event_id, step, metric_values FROM hypertop_metrics
                WHERE study_id = ? AND event_id > ? AND event_id <= ? ORDER BY metric_row_id
                """, arguments: [studyID, cursor, last])
            while let row = try rows.next() {
                let step: Int? = row[1]
                let metricRow = try row.withUnsafeData(atIndex: 2) { Self.metricRow(step: step, data: $0, keys: keys) }
                metricRows[row[0], default: []].append(metricRow)
            }
            let decoded = try EventCoding.decodeAll(kinds.compactMap(\.payload))
            var events: [EngineEvent] = []
            events.reserveCapacity(kinds.count)
            var next = decoded.makeIterator()
            for k in kinds {
                if k.payload == nil {
                    events.append(.metrics(trial: k.trial ?? -1, rows: metricRows[k.id] ?? []))
                } else if let event = next.next() {
                    events.append(event)
                }
            }
            return (events, last)
        }
    }

    func lastEventID(_ db: Database, _ studyID: Int) throws -> Int64 {
        guard hasEventTables else { return 0 }
        return try Int64.fetchOne(db, sql: "SELECT max(event_id) FROM hypertop_events WHERE study_id = ?", arguments: [studyID]) ?? 0
    }

    static func metricKeys(_ db: Database, _ studyID: Int) throws -> [UInt32: String] {
        var keys: [UInt32: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key_id, name FROM hypertop_metric_keys WHERE study_id = ?", arguments: [studyID]) {
            keys[UInt32(truncatingIfNeeded: row[0] as Int64)] = row[1]
        }
        return keys
    }

    static func metricRow(step: Int?, data: Data?, keys: [UInt32: String]) -> MetricRow {
        var values: [String: Double] = [:]
        if let data {
            values.reserveCapacity(data.count / MetricValues.entrySize)
            MetricValues.unpack(data) { key, value in
                if let name = keys[key] { values[name] = value }
            }
        }
        return MetricRow(step: step, values: values)
    }

    /// Every metric row of a study up to an event, by trial number, in logged order.
    static func metricRowsByTrial(_ db: Database, studyID: Int, upTo cursor: Int64) throws -> [Int: [MetricRow]] {
        let keys = try metricKeys(db, studyID)
        var numbers: [Int64: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT trial_id, number FROM trials WHERE study_id = ?", arguments: [studyID]) {
            numbers[row[0]] = row[1]
        }
        var byTrial: [Int: [MetricRow]] = [:]
        var currentID: Int64 = -1
        var current: [MetricRow] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT trial_id, step, metric_values FROM hypertop_metrics
            WHERE study_id = ? AND event_id <= ? ORDER BY trial_id, "row"
            """, arguments: [studyID, cursor])
        while let row = try rows.next() {
            let trialID: Int64 = row[0]
            if trialID != currentID {
                if let n = numbers[currentID] { byTrial[n] = current }
                currentID = trialID
                current = []
            }
            let step: Int? = row[1]
            current.append(try row.withUnsafeData(atIndex: 2) { metricRow(step: step, data: $0, keys: keys) })
        }
        if let n = numbers[currentID] { byTrial[n] = current }
        return byTrial
    }
}
