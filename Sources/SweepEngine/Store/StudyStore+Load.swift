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
        enum Read { case imported([EngineEvent], Int64), logged(LoggedStudy) }
        // Copy the bytes out inside the read transaction; decode after it, on both cores.
        let (read, directions): (Read, [Direction]) = try pool.read { db in
            try Self.requireStudy(db, studyID)
            let directions = try Self.directions(db, studyID)
            let tables = try eventTablesExist(db)
            guard tables, try Self.hasEvents(db, studyID) else {
                return (.imported(try OptunaImport.read(db, studyID: studyID).events, tables ? try Self.lastEventID(db) : 0), directions)
            }
            return (.logged(try LoggedStudy(db, studyID: studyID)), directions)
        }
        var (study, cursor): (Study, Int64)
        switch read {
        case .imported(let events, let last):
            study = Study()
            for event in events { study.apply(event) }
            cursor = last
        case .logged(let logged):
            (study, cursor) = (try logged.replay(), logged.cursor)
        }
        // Optuna's study_directions is the study's direction, whatever a config said when it was
        // started: `best`, `report` and the dashboard rank as `studies`, the store and Optuna do.
        if let first = directions.first { study.info?.spec.direction = first }
        return (study, cursor)
    }

    /// The study's directions, one per objective, as Optuna's `study_directions` holds them.
    static func directions(_ db: Database, _ studyID: Int) throws -> [Direction] {
        try String.fetchAll(db, sql: "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective", arguments: [studyID])
            .compactMap(OptunaFormat.direction)
    }

    /// Events recorded after `cursor` (0 = from the start), in order, and the cursor to pass next
    /// time. Empty for a study with no hypertop event log (`StudyFollower` handles those).
    public func events(studyID: Int, after cursor: Int64) throws -> (events: [EngineEvent], cursor: Int64) {
        return try pool.read { db in
            guard try eventTablesExist(db) else { return ([], cursor) }
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
            // Newest first, stopping at the cursor: rowid order is event order (see OptunaSchema).
            let live = try Row.fetchCursor(db, sql: """
                SELECT event_id, trial_id, step, metric_values, study_id FROM hypertop_metrics ORDER BY metric_row_id DESC
                """)
            var newest: [(Int64, Int64, MetricRow)] = []
            while let row = try live.next() {
                let eventID: Int64 = row[0]
                if eventID <= cursor { break }
                guard row[4] as Int == studyID else { continue }
                let step: Int? = row[2]
                let metricRow = try row.withUnsafeData(atIndex: 3) { data in
                    data?.withUnsafeBytes { Self.metricRow(step: step, entries: $0, keys: keys) } ?? MetricRow(step: step, values: [:])
                }
                newest.append((eventID, row[1], metricRow))
            }
            for (eventID, trialID, metricRow) in newest.reversed() { add(eventID, trialID, metricRow) }
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
            SELECT max((SELECT ifnull(max(event_id), 0) FROM hypertop_events),
                       ifnull((SELECT event_id FROM hypertop_metrics ORDER BY metric_row_id DESC LIMIT 1), 0))
            """) ?? 0
    }

    static func metricKeys(_ db: Database, _ studyID: Int) throws -> MetricKeyNames {
        var keys = MetricKeyNames()
        for row in try Row.fetchAll(db, sql: "SELECT key_id, name FROM hypertop_metric_keys WHERE study_id = ?", arguments: [studyID]) {
            keys.add(UInt32(truncatingIfNeeded: row[0] as Int64), row[1])
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

    static func metricRow(step: Int?, entries: UnsafeRawBufferPointer, keys: MetricKeyNames) -> MetricRow {
        var decoder = MetricRowDecoder(keys: keys)
        return decoder.row(step: step, entries: entries)
    }
}
