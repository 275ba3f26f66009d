import Foundation
import GRDB
import HyperOpt

extension StudyStore {
    /// Records events in one transaction, in order, and returns once they are committed.
    /// Each event goes to hypertop's log and, where Optuna has a place for it, to Optuna's tables
    /// exactly as Optuna would write it (trial rows, params, the score, the criterion's
    /// intermediate values). Batch many events per call: the commit is the expensive part.
    public func record(_ events: [EngineEvent], studyID: Int) throws {
        guard !events.isEmpty else { return }
        do {
            try pool.write { db in try recordInTransaction(db, events, studyID: studyID) }
        } catch {
            writeState.forget(studyID)
            throw error
        }
    }

    /// `record`'s body, for callers that already hold the write transaction.
    func recordInTransaction(_ db: Database, _ events: [EngineEvent], studyID: Int) throws {
        let encoder = EventCoding.encoder()
        try writeState.with(studyID, load: { try Self.loadWriteCache(db, studyID) }) { cache in
            if !cache.hasEvents {
                try Self.adoptOptunaTrials(db, studyID: studyID, startsWith: events.first, cache: &cache, encoder: encoder)
            }
            cache.nextEventID = try Self.nextEventID(db)
            let now = OptunaFormat.datetime(Date())
            for event in events {
                try Self.writeOptuna(db, event, studyID: studyID, cache: &cache)
                try Self.writeLog(db, event, studyID: studyID, at: now, cache: &cache, encoder: encoder)
            }
        }
    }

    /// Events of every study in a file share one id sequence (the follower's cursor). Read inside the
    /// write transaction, so two processes writing two studies of one file never collide.
    /// Compacted rows need no look: a trial's `finished` event always has a larger id.
    private static func nextEventID(_ db: Database) throws -> Int64 {
        try lastEventID(db) + 1
    }

    static func loadWriteCache(_ db: Database, _ studyID: Int) throws -> StudyWriteCache {
        try requireStudy(db, studyID)
        var cache = StudyWriteCache()
        for row in try Row.fetchAll(db, sql: "SELECT number, trial_id FROM trials WHERE study_id = ?", arguments: [studyID]) {
            cache.trialIDs[row[0]] = row[1]
        }
        cache.hasEvents = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM hypertop_events WHERE study_id = ?)",
                                            arguments: [studyID]) ?? false
        if cache.hasEvents {
            for row in try Row.fetchAll(db, sql: "SELECT trial_id, row_count FROM hypertop_trial_metrics WHERE study_id = ?",
                                        arguments: [studyID]) {
                cache.rowCounts[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT trial_id, max(\"row\") + 1 FROM hypertop_metrics WHERE study_id = ? GROUP BY trial_id",
                                        arguments: [studyID]) {
                cache.rowCounts[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, key_id FROM hypertop_metric_keys WHERE study_id = ?", arguments: [studyID]) {
                cache.keyIDs[row[0]] = UInt32(truncatingIfNeeded: row[1] as Int64)
            }
            let payload = try String.fetchOne(db, sql: """
                SELECT payload FROM hypertop_events WHERE study_id = ? AND kind = 'started' ORDER BY event_id DESC LIMIT 1
                """, arguments: [studyID])
            if let payload, case .started(let info)? = try EventCoding.decodeAll([payload]).first {
                cache.adopt(info.spec)
            }
        } else {
            cache.adopt(try OptunaImport.read(db, studyID: studyID).info.spec)
        }
        return cache
    }

    /// A study Python optuna started gets its trials written into our log before our first event,
    /// so replaying the log gives the whole study.
    private static func adoptOptunaTrials(_ db: Database, studyID: Int, startsWith first: EngineEvent?, cache: inout StudyWriteCache,
                                          encoder: JSONEncoder) throws {
        defer { cache.hasEvents = true }
        // A new study's first event is its `started`: there is nothing to adopt.
        if cache.trialIDs.isEmpty, case .started? = first { return }
        let imported = try OptunaImport.read(db, studyID: studyID)
        cache.nextEventID = try nextEventID(db)
        let at = OptunaFormat.datetime(Date())
        for event in imported.events {
            try writeLog(db, event, studyID: studyID, at: at, cache: &cache, encoder: encoder)
        }
    }

    private static func writeOptuna(_ db: Database, _ event: EngineEvent, studyID: Int, cache: inout StudyWriteCache) throws {
        switch event {
        case .started(let info):
            cache.adopt(info.spec)
            let attributes: [(String, String)] = [
                (StoreKey.stopFile, JSONText.quote(info.stopFile)),
                (StoreKey.pauseFile, JSONText.quote(info.pauseFile)),
                (StoreKey.sweepDir, JSONText.quote(info.sweepDir)),
                (StoreKey.configPath, JSONText.quote(info.spec.configPath)),
                (StoreKey.criterion, JSONText.quote(info.spec.criterion)),
            ]
            for (key, json) in attributes {
                try setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID), key: key, json: json)
            }
        case .launched(let launch):
            // Optuna has no unique (study, number): a repeated launch must not add a second trial row.
            guard cache.trialIDs[launch.number] == nil else { return }
            try db.cachedStatement(sql: """
                INSERT INTO trials (number, study_id, state, datetime_start) VALUES (?, ?, 'RUNNING', ?)
                """).execute(arguments: [launch.number, studyID, OptunaFormat.datetime(launch.startedAt)])
            let trialID = db.lastInsertedRowID
            cache.trialIDs[launch.number] = trialID
            let params = try db.cachedStatement(sql: """
                INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)
                """)
            for parameter in cache.spec?.space.parameters ?? [] {
                guard let value = launch.params[parameter.name], let d = cache.distributions[parameter.name],
                      let stored = d.distribution.toInternal(value) else { continue }
                try params.execute(arguments: [trialID, parameter.name, stored, d.json])
            }
            let commandJSON = "[" + launch.command.map(JSONText.quote).joined(separator: ", ") + "]"
            for (key, json) in [(StoreKey.runDir, JSONText.quote(launch.runDir)), (StoreKey.paramSet, String(launch.paramSet)),
                                (StoreKey.repeatIndex, String(launch.repeatIndex)), (StoreKey.command, commandJSON)] {
                try setAttribute(db, table: "trial_system_attributes", owner: "trial_id", id: trialID, key: key, json: json)
            }
            try beat(db, trialID: trialID, at: launch.startedAt)
        case .metrics(let number, let rows):
            guard let trialID = cache.trialIDs[number], let criterion = cache.spec?.criterion else { return }
            var index = cache.rowCounts[trialID] ?? 0
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
                VALUES (?, ?, ?, ?)
                """)
            for row in rows {
                // Optuna keeps the first report of a step and ignores later ones: so do we.
                if let value = row.values[criterion] {
                    let (v, type) = OptunaFormat.encode(value)
                    try statement.execute(arguments: [trialID, row.step ?? index, v, type])
                }
                index += 1
            }
        case .finished(let outcome):
            guard let trialID = cache.trialIDs[outcome.number] else { return }
            var state = outcome.state
            var reason = outcome.reason
            var score = outcome.score
            if state == .pruned && score == nil {
                // Optuna gives a pruned trial its last intermediate value as its value.
                if let last = try Row.fetchOne(db, sql: """
                    SELECT intermediate_value, intermediate_value_type FROM trial_intermediate_values
                    WHERE trial_id = ? ORDER BY step DESC LIMIT 1
                    """, arguments: [trialID]) {
                    score = OptunaFormat.decode(last[0], type: last[1])
                }
            }
            if state == .complete && (score == nil || score?.isNaN == true) {
                // Optuna refuses a COMPLETE trial without a value (and tell() turns NaN into FAIL).
                state = .failed
                reason = reason ?? "the trial finished without a score"
            }
            try db.cachedStatement(sql: "UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?")
                .execute(arguments: [state.rawValue, OptunaFormat.datetime(outcome.endedAt), trialID])
            // One value per objective (Optuna's `trial.values`); a pruned trial of one objective gets its last
            // intermediate value. Optuna never prunes a study of several, so its pruned trials have none.
            let values = outcome.values ?? score.map { [$0] } ?? []
            if state != .failed, !values.isEmpty, !values.contains(where: \.isNaN) {
                for (objective, value) in values.enumerated() {
                    let (v, type) = OptunaFormat.encode(value)
                    try db.cachedStatement(sql: """
                        INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)
                        ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type
                        """).execute(arguments: [trialID, objective, v, type])
                }
            }
            var attributes: [(String, String)] = []
            if let reason { attributes.append((StoreKey.failReason, JSONText.quote(reason))) }
            if let status = outcome.exitStatus { attributes.append((StoreKey.exitStatus, String(status))) }
            if let signal = outcome.signal { attributes.append((StoreKey.signal, String(signal))) }
            if let cause = outcome.cause { attributes.append((StoreKey.endCause, JSONText.quote(cause.rawValue))) }
            if let constraints = outcome.constraints {
                // Where Optuna 5 keeps `trial.constraints`: its samplers and `best_trials` read them there.
                // Python's json writes an infinite value as the bare word, and reads it back so.
                let items = constraints.map { $0.isFinite ? "\($0)" : $0 > 0 ? "Infinity" : "-Infinity" }
                attributes.append((StoreKey.constraints, "[" + items.joined(separator: ", ") + "]"))
            }
            for (key, json) in attributes {
                try setAttribute(db, table: "trial_system_attributes", owner: "trial_id", id: trialID, key: key, json: json)
            }
        case .phase(let phase, let reason):
            try setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID),
                             key: StoreKey.phase, json: JSONText.quote(phase.rawValue))
            if phase == .done {
                try setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID),
                                 key: StoreKey.endReason, json: JSONText.quote(reason ?? ""))
            }
        case .jobStarted(let number, let at, _):
            // Optuna's start is when the job began to run: its time in the queue is not its duration.
            guard let trialID = cache.trialIDs[number] else { return }
            try db.cachedStatement(sql: "UPDATE trials SET datetime_start = ? WHERE trial_id = ?")
                .execute(arguments: [OptunaFormat.datetime(at), trialID])
        case .resourceTotals(let number, let totals):
            // Where Optuna users see them: `trial.system_attrs["hypertop:cpu_seconds"]`, ...
            guard let trialID = cache.trialIDs[number] else { return }
            var attributes = [(StoreKey.cpuSeconds, JSONText.number(totals.cpuSeconds)),
                              (StoreKey.peakRSSMegabytes, JSONText.number(totals.peakRSSMegabytes))]
            if let gpu = totals.peakGPUMegabytes { attributes.append((StoreKey.peakGPUMegabytes, JSONText.number(gpu))) }
            for (key, json) in attributes {
                try setAttribute(db, table: "trial_system_attributes", owner: "trial_id", id: trialID, key: key, json: json)
            }
        case .output, .message, .queued, .pruneCheck, .curveSource, .usage:
            break
        }
    }

    static func writeLog(_ db: Database, _ event: EngineEvent, studyID: Int, at: String, cache: inout StudyWriteCache,
                         encoder: JSONEncoder) throws {
        let eventID = cache.nextEventID
        cache.nextEventID += 1
        cache.hasEvents = true
        switch event {
        case .metrics(let number, let rows):
            guard let trialID = cache.trialIDs[number] else { return }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO hypertop_metrics (study_id, event_id, trial_id, "row", step, metric_values) VALUES (?, ?, ?, ?, ?, ?)
                """)
            var index = cache.rowCounts[trialID] ?? 0
            var entries: [MetricValues.Entry] = []
            for row in rows {
                entries.removeAll(keepingCapacity: true)
                for (name, value) in row.values {
                    entries.append((try keyID(db, name, studyID: studyID, cache: &cache), value))
                }
                // Sorted by key id, rows with the same series have the same layout (see MetricRowDecoder).
                entries.sort { $0.key < $1.key }
                try insert.execute(arguments: [studyID, eventID, trialID, index, row.step, MetricValues.pack(entries)])
                index += 1
            }
            cache.rowCounts[trialID] = index
            return
        case .finished(let outcome):
            if let trialID = cache.trialIDs[outcome.number] { try compactMetrics(db, trialID: trialID, studyID: studyID) }
        case .usage:
            // A measurement is shown, never recorded (see `UsageSample`).
            cache.nextEventID -= 1
            return
        default:
            break
        }
        let payload = String(decoding: try encoder.encode(event), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO hypertop_events (event_id, study_id, at, kind, trial_number, payload) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [eventID, studyID, at, EventCoding.kind(event), EventCoding.trialNumber(event), payload])
    }

    /// Moves a finished trial's metric rows into one blob (appending to an earlier one). The blob
    /// is streamed: SQLite reserves it (`zeroblob`), the rows are read with a cursor and written
    /// into it a chunk at a time, so a trial of a million rows costs a chunk of memory, not the
    /// rows and the blob at once (which was 500 MB for a million rows).
    private static func compactMetrics(_ db: Database, trialID: Int64, studyID: Int) throws {
        guard let totals = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT count(*), coalesce(sum(length(metric_values)), 0), max(event_id) FROM hypertop_metrics WHERE trial_id = ?
            """), arguments: [trialID]), let last = totals[2] as Int64? else { return }
        let count: Int = totals[0]
        let size = count * MetricValues.rowHeaderSize + (totals[1] as Int)
        var offset = 0
        if let earlier = try Row.fetchOne(db, sql: "SELECT length(\"rows\"), row_count FROM hypertop_trial_metrics WHERE trial_id = ?",
                                          arguments: [trialID]) {
            offset = earlier[0]
            try db.execute(sql: """
                UPDATE hypertop_trial_metrics SET "rows" = "rows" || zeroblob(?), row_count = row_count + ?, last_event_id = ?
                WHERE trial_id = ?
                """, arguments: [size, count, last, trialID])
        } else {
            try db.cachedStatement(sql: """
                INSERT INTO hypertop_trial_metrics (trial_id, study_id, last_event_id, row_count, "rows") VALUES (?, ?, ?, ?, zeroblob(?))
                """).execute(arguments: [trialID, studyID, last, count, size])
        }
        var blob = try BlobWriter(db, table: "hypertop_trial_metrics", column: "rows", rowID: trialID, offset: offset)
        defer { blob.close() }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT event_id, step, metric_values FROM hypertop_metrics WHERE trial_id = ? ORDER BY "row"
            """), arguments: [trialID])
        while let row = try rows.next() {
            let values: Data = row[2]
            blob.appendRowHeader(eventID: row[0], step: row[1], entries: values.count / MetricValues.entrySize)
            try blob.append(values)
        }
        try blob.finish(expectedEnd: offset + size)
        try db.cachedStatement(sql: "DELETE FROM hypertop_metrics WHERE trial_id = ?").execute(arguments: [trialID])
    }

    private static func keyID(_ db: Database, _ name: String, studyID: Int, cache: inout StudyWriteCache) throws -> UInt32 {
        if let id = cache.keyIDs[name] { return id }
        try db.execute(sql: "INSERT INTO hypertop_metric_keys (study_id, name) VALUES (?, ?)", arguments: [studyID, name])
        let id = UInt32(truncatingIfNeeded: db.lastInsertedRowID)
        cache.keyIDs[name] = id
        return id
    }

    static func beat(_ db: Database, trialID: Int64, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, ?)
            ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat
            """).execute(arguments: [trialID, OptunaFormat.datetime(at)])
    }
}
