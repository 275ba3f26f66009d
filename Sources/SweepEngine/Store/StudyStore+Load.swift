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
            var study = Study()
            guard hasEventTables, try Self.hasEvents(db, studyID) else {
                for event in try OptunaImport.read(db, studyID: studyID).events { study.apply(event) }
                return (study, try hasEventTables ? Self.lastEventID(db) : 0)
            }
            let rows = try Self.metricRowsByTrial(db, studyID: studyID)
            var payloads: [String] = []
            let cursor = try String.fetchCursor(db, sql: "SELECT payload FROM hypertop_events WHERE study_id = ? ORDER BY event_id",
                                                arguments: [studyID])
            while let payload = try cursor.next() { payloads.append(payload) }
            // Metrics of a trial replay right after its launch: the result is the same Study, and
            // the rows go in as one event per trial instead of one per logged row.
            for event in try EventCoding.decodeAll(payloads) {
                study.apply(event)
                if case .launched(let launch) = event, let trialRows = rows[launch.number] {
                    study.apply(.metrics(trial: launch.number, rows: trialRows))
                }
            }
            return (study, try Self.lastEventID(db))
        }
    }

    /// Events recorded after `cursor` (0 = from the start), in order, and the cursor to pass next
    /// time. Empty for a study with no hypertop event log (`StudyFollower` handles those).
    public func events(studyID: Int, after cursor: Int64) throws -> (events: [EngineEvent], cursor: Int64) {
        guard hasEventTables else { return ([], cursor) }
        return try pool.read { db in
            let last = try Self.lastEventID(db)
            guard last > cursor else { return ([], cursor) }
            var ids: [Int64] = []
            var payloads: [String] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT event_id, payload FROM hypertop_events WHERE study_id = ? AND event_id > ? ORDER BY event_id
                """, arguments: [studyID, cursor]) {
                ids.append(row[0])
                payloads.append(row[1])
            }
            var timeline: [(id: Int64, event: EngineEvent)] = Array(zip(ids, try EventCoding.decodeAll(payloads)))
            let keys = try Self.metricKeys(db, studyID)
            let numbers = try Self.trialNumbers(db, studyID)
            var metrics: [Int64: (trial: Int64, rows: [MetricRow])] = [:]
            func add(_ eventID: Int64, _ trialID: Int64, _ row: MetricRow) {
                metrics[eventID, default: (trialID, [])].rows.append(row)
            }
            // Finished trials' rows were moved into one blob each; take those logged after the cursor.
            for row in try Row.fetchAll(db, sql: """
                SELECT trial_id, "rows" FROM hypertop_trial_metrics WHERE study_id = ? AND last_event_id > ? ORDER BY trial_id
                """, arguments: [studyID, cursor]) {
                let trialID: Int64 = row[0]
                try row.withUnsafeData(atIndex: 1) { data in
                    data?.withUnsafeBytes { raw in
                        MetricValues.unpackRows(raw) { eventID, step, entries in
                            if eventID > cursor { add(eventID, trialID, Self.metricRow(step: step, entries: entries, keys: keys)) }
                        }
                    }
                }
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT event_id, trial_id, step, metric_values FROM hypertop_metrics WHERE event_id > ? AND study_id = ? ORDER BY metric_row_id
                """, arguments: [cursor, studyID]) {
                let step: Int? = row[2]
                let metricRow = try row.withUnsafeData(atIndex: 3) { data in
                    data?.withUnsafeBytes { Self.metricRow(step: step, entries: $0, keys: keys) } ?? MetricRow(step: step, values: [:])
                }
                add(row[0], row[1], metricRow)
            }
            for (eventID, m) in metrics {
                timeline.append((eventID, .metrics(trial: numbers[m.trial] ?? -1, rows: m.rows)))
            }
            timeline.sort { $0.id < $1.id }
            return (timeline.map(\.event), last)
        }
    }

    static func hasEvents(_ db: Database, _ studyID: Int) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM hypertop_events WHERE study_id = ?)", arguments: [studyID]) ?? false
    }

    /// The newest event id of the whole file: one sequence serves every study in it.
    static func lastEventID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: """
            SELECT max((SELECT ifnull(max(event_id), 0) FROM hypertop_events), (SELECT ifnull(max(event_id), 0) FROM hypertop_metrics))
            """) ?? 0
    }

    static func metricKeys(_ db: Database, _ studyID: Int) throws -> [UInt32: String] {
        var keys: [UInt32: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key_id, name FROM hypertop_metric_keys WHERE study_id = ?", arguments: [studyID]) {
            keys[UInt32(truncatingIfNeeded: row[0] as Int64)] = row[1]
        }
        return keys
    }

    static func trialNumbers(_ db: Database, _ studyID: Int) throws -> [Int64: Int] {
        var numbers: [Int64: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT trial_id, number FROM trials WHERE study_id = ?", arguments: [studyID]) {
            numbers[row[0]] = row[1]
        }
        return numbers
    }

    static func metricRow(step: Int?, entries: UnsafeRawBufferPointer, keys: [UInt32: String]) -> MetricRow {
        var values: [String: Double] = Dictionary(minimumCapacity: entries.count / MetricValues.entrySize)
        MetricValues.unpack(entries) { key, value in
            if let name = keys[key] { values[name] = value }
        }
        return MetricRow(step: step, values: values)
    }

    /// Every metric row of a study by trial number, in logged order: finished trials' blobs, then
    /// the rows of trials still running (or logged after their finish).
    static func metricRowsByTrial(_ db: Database, studyID: Int) throws -> [Int: [MetricRow]] {
        let keys = try metricKeys(db, studyID)
        let numbers = try trialNumbers(db, studyID)
        var byTrial: [Int: [MetricRow]] = [:]
        let blobs = try Row.fetchCursor(db, sql: """
            SELECT trial_id, row_count, "rows" FROM hypertop_trial_metrics WHERE study_id = ?
            """, arguments: [studyID])
        while let row = try blobs.next() {
            guard let number = numbers[row[0]] else { continue }
            var rows: [MetricRow] = []
            rows.reserveCapacity(row[1])
            try row.withUnsafeData(atIndex: 2) { data in
                data?.withUnsafeBytes { raw in
                    MetricValues.unpackRows(raw) { _, step, entries in rows.append(metricRow(step: step, entries: entries, keys: keys)) }
                }
            }
            byTrial[number] = rows
        }
        let live = try Row.fetchCursor(db, sql: """
            SELECT trial_id, step, metric_values FROM hypertop_metrics WHERE study_id = ? ORDER BY metric_row_id
            """, arguments: [studyID])
        while let row = try live.next() {
            guard let number = numbers[row[0]] else { continue }
            let step: Int? = row[1]
            let decoded = try row.withUnsafeData(atIndex: 2) { data in
                data?.withUnsafeBytes { metricRow(step: step, entries: $0, keys: keys) } ?? MetricRow(step: step, values: [:])
            }
            byTrial[number, default: []].append(decoded)
        }
        return byTrial
    }
}
