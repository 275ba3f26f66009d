import Foundation
import GRDB
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// A study store: an SQLite file in Optuna's RDB schema (so Python optuna and optuna-dashboard
/// open it) plus hypertop's event log. Safe to share across tasks; one process writes, any number
/// of processes read at the same time.
///
/// Journal mode: while an engine runs the store is in WAL, so that readers (`watch`, `attach`,
/// `studies`, optuna-dashboard) never block the writer nor it them. WAL needs the `-wal` and
/// `-shm` files beside the store, which another user or a read-only directory cannot create, and
/// Python optuna then cannot open the store; so `close` leaves it as Optuna's own storage does,
/// in rollback-journal mode (`journal_mode=DELETE`), once no other process has it open (the
/// last hypertop to close it does). A store opened for one write (`oneWrite`: a note, a rename)
/// keeps whatever mode the file is in, and a reader that cannot open a WAL store where it lies
/// (a read-only directory) reads it as an immutable file.
///
/// How the commands use it:
/// - `run`: `StudyStore(path: StudyStore.defaultPath(for: spec))`; `studyID(named:)` then either
///   `createStudy(info)` + `claim(studyID:)`, or `resume(studyID:)` (fails the dead engine's
///   orphans, claims the study, returns the Study to continue). Then the scheduler records each
///   tick's events through a `StoreSink` (one transaction, before anyone sees them) and sends
///   heartbeats through it; `close` at the end.
/// - `watch`: `StudyStore(path:, readOnly: true)`, a `StudyFollower` polled each refresh, and
///   `stopFile(studyID:)` for the stop key.
/// - `studies`: `studies()` for the table, `loadStudy(id:)` on Enter and for the export.
/// `record` returns after the commit, so an event can be shown once it returned.
public final class StudyStore: Sendable {
    public let path: String
    public let readOnly: Bool
    let pool: any DatabaseWriter
    /// Files Python optuna wrote have no hypertop tables, and a read-only store cannot add them;
    /// a writer may add them later, so a false here is checked again (`eventTablesExist`).
    let hasEventTables: Bool
    let writeState = WriteState()
    /// The file as opened: the store is gone once its path names another file, or none (see `checkFile`).
    let fileIdentity: FileIdentity?

    struct FileIdentity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64

        init?(_ path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    /// Opens `path`, creating an empty Optuna store when the file does not exist (unless read-only).
    /// Throws `StoreError` when the file is not an Optuna store of schema 12. `busyTimeout` is how
    /// long a statement waits for another process's lock before it fails with SQLITE_BUSY (the
    /// engine waits briefly and keeps what it could not write; see Scheduler+Recording).
    /// `oneWrite`: opened for a write or two and closed, it keeps the file's journal mode (no WAL).
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = 30, oneWrite: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw StoreError.missingFile(path: path) }
        var config = Configuration()
        config.readonly = readOnly
        // A reader may meet a checkpoint, the writer a reader's lock on the WAL index: wait, never fail.
        config.busyMode = .timeout(busyTimeout)
        config.label = "hypertop.store"
        if !readOnly {
            // Durable across a killed process (the crash we care about) at a fraction of FULL's cost.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        do {
            (pool, hasEventTables) = try Self.open(path, config: config, readOnly: readOnly, oneWrite: oneWrite)
        } catch is EmptyStoreFile {
            // Asked only now: a file of the store opened and closed by this process besides
            // SQLite's own fds drops SQLite's locks on it (POSIX locks are per process).
            throw Self.inWALModeWithoutLog(path) ? StoreError.writeAheadLogMissing(path: path) : StoreError.notAnOptunaStore(path: path)
        } catch let error as DatabaseError where readOnly && Self.isWAL(path)
                    && (error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY) {
            // A WAL store where this process cannot create or write its -shm (a read-only directory,
            // another user's files): read the file as it is. Only the WAL's uncheckpointed pages
            // are missed, and `close` leaves none in a store whose engine ended.
            do {
                (pool, hasEventTables) = try Self.open(Self.immutableURI(path), config: config, readOnly: true, oneWrite: false)
            } catch is EmptyStoreFile {
                throw StoreError.notAnOptunaStore(path: path)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw Self.hasSQLiteHeader(path) ? StoreError.notAnOptunaStore(path: path) : StoreError.notSQLite(path: path)
        }
        fileIdentity = FileIdentity(path)
    }

    /// Throws `StoreError.fileGone` when the store's path no longer names the file that was opened
    /// (deleted, or replaced): what is written then reaches no file anyone can open.
    public func checkFile() throws {
        guard let fileIdentity else { return }
        guard let now = FileIdentity(path) else { throw StoreError.fileGone(path: path, replaced: false) }
        if now != fileIdentity { throw StoreError.fileGone(path: path, replaced: true) }
    }

    /// Whether the file's header says WAL mode and its `-wal` is missing or empty (opening it made a
    /// new, empty one): then a file without tables most likely lost its log.
    static func inWALModeWithoutLog(_ path: String) -> Bool {
        guard hasSQLiteHeader(path), isWAL(path) else { return false }
        let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return log == 0
    }

    private static func open(_ path: String, config: Configuration, readOnly: Bool, oneWrite: Bool) throws -> (any DatabaseWriter, Bool) {
        if readOnly {
            let pool = try DatabasePool(path: path, configuration: config)
            return (pool, try pool.read { db in
                try OptunaSchema.prepare(db, path: path, readOnly: true)
                return try db.tableExists("hypertop_events")
            })
        }
        let writer: any DatabaseWriter = oneWrite ? try DatabaseQueue(path: path, configuration: config)
            : try DatabasePool(path: path, configuration: config)
        try writer.write { db in try OptunaSchema.prepare(db, path: path, readOnly: false) }
        return (writer, true)
    }

    /// Closes the store. A writer, and a reader that may write the file, then return it to
    /// rollback-journal mode unless another process still has it open; the engine waits up to
    /// `wait` seconds for that (a `watch` that saw the end lets go at its next look).
    public func close(waitingUpTo wait: TimeInterval = 0) {
        try? pool.close()
        guard Self.isWAL(path), access(path, W_OK) == 0,
              access((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, W_OK) == 0 else { return }
        var config = Configuration()
        config.busyMode = .immediateError
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return }
        defer { try? queue.close() }
        let deadline = Date().addingTimeInterval(wait)
        while (try? queue.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode = DELETE") }) != "delete",
              Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Whether the file's header says WAL (its write version byte is 2).
    static func isWAL(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return false }
        return header[header.startIndex + 18] == 2
    }

    /// `file:<path>?immutable=1`: SQLite reads the file without locks, -wal or -shm.
    static func immutableURI(_ path: String) -> String {
        var uri = URLComponents()
        uri.scheme = "file"
        uri.path = URL(fileURLWithPath: path).path
        uri.percentEncodedQuery = "immutable=1"
        return uri.string ?? "file:\(path)?immutable=1"
    }

    /// Whether the file starts as every SQLite database does ("SQLite format 3\0").
    static func hasSQLiteHeader(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 16)) == Data("SQLite format 3\u{0}".utf8)
    }

    /// Every study in the file, oldest first.
    public func studies() throws -> [StoredStudySummary] {
        try pool.read { db in
            var summaries: [Int: StoredStudySummary] = [:]
            var order: [Int] = []
            for row in try Row.fetchAll(db, sql: "SELECT study_id, study_name FROM studies ORDER BY study_id") {
                let id: Int = row[0]
                order.append(id)
                summaries[id] = StoredStudySummary(studyID: id, name: row[1], directions: [], counts: [:], bestValue: nil,
                                                   started: nil, lastActivity: nil, hasEventLog: false)
            }
            for row in try Row.fetchAll(db, sql: "SELECT study_id, direction FROM study_directions ORDER BY study_id, objective") {
                if let d = OptunaFormat.direction(row[1] as String) { summaries[row[0]]?.directions.append(d) }
            }
            let perState = try Row.fetchAll(db, sql: """
                SELECT study_id, state, count(*), min(datetime_start), max(datetime_start), max(datetime_complete)
                FROM trials GROUP BY study_id, state
                """)
            for row in perState {
                let id: Int = row[0]
                guard var s = summaries[id] else { continue }
                if let state = TrialState(rawValue: row[1]) { s.counts[state, default: 0] += row[2] as Int }
                if let first = (row[3] as String?).flatMap(OptunaFormat.date) { s.started = min(s.started ?? first, first) }
                for text in [row[4] as String?, row[5] as String?] {
                    if let t = text.flatMap(OptunaFormat.date) { s.lastActivity = max(s.lastActivity ?? t, t) }
                }
                summaries[id] = s
            }
            // The best parameter set by the mean of its scored repeats, as the dashboard ranks them
            // (`Study.best`): hypertop's trials carry their parameter set; any other trial is a set
            // of its own, so a study Python optuna wrote gets Optuna's best value, ±inf included.
            var sums: [Int: [String: (total: Double, n: Int)]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT t.study_id, coalesce('g' || a.value_json, 't' || t.trial_id), v.value, v.value_type FROM trials t
                JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0
                LEFT JOIN trial_system_attributes a ON a.trial_id = t.trial_id AND a.key IN (?, ?)
                WHERE t.state = 'COMPLETE'
                """, arguments: [StoreKey.paramSet, StoreKey.legacyParamSet]) {
                let value = OptunaFormat.decode(row[2], type: row[3])
                guard !value.isNaN else { continue }
                let old = sums[row[0], default: [:]][row[1] as String] ?? (0, 0)
                sums[row[0], default: [:]][row[1] as String] = (old.total + value, old.n + 1)
            }
            for (id, sets) in sums {
                guard let s = summaries[id] else { continue }
                for (total, n) in sets.values {
                    let mean = total / Double(n)
                    guard !mean.isNaN else { continue }
                    if summaries[id]!.bestValue.map({ s.direction.isBetter(mean, than: $0) }) ?? true { summaries[id]?.bestValue = mean }
                }
            }
            if try eventTablesExist(db) {
                // One indexed look per study: a GROUP BY would read every event of the file.
                let first = try db.cachedStatement(sql: "SELECT at FROM hypertop_events WHERE study_id = ? ORDER BY event_id LIMIT 1")
                for id in order {
                    guard let at = try String.fetchOne(first, arguments: [id]) else { continue }
                    summaries[id]?.hasEventLog = true
                    if summaries[id]?.started == nil { summaries[id]?.started = OptunaFormat.date(at) }
                }
            }
            return order.compactMap { summaries[$0] }
        }
    }

    public func studyID(named name: String) throws -> Int? {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT study_id FROM studies WHERE study_name = ?", arguments: [name]) }
    }

    /// Creates the study (Optuna rows, hypertop's study attributes) and records its `started` event.
    /// Throws `StoreError.studyExists` when the name is taken: resume it instead.
    @discardableResult
    public func createStudy(_ info: StudyInfo) throws -> Int {
        let name = info.spec.studyName
        let id: Int = try pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT study_id FROM studies WHERE study_name = ?", arguments: [name]) != nil {
                throw StoreError.studyExists(name: name)
            }
            try db.execute(sql: "INSERT INTO studies (study_name) VALUES (?)", arguments: [name])
            let id = Int(db.lastInsertedRowID)
            for (objective, direction) in info.spec.objectiveDirections.enumerated() {
                try db.execute(sql: "INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)",
                               arguments: [OptunaFormat.direction(direction), id, objective])
            }
            return id
        }
        try record([.started(info)], studyID: id)
        return id
    }

    /// The JSON text of a study system attribute (Optuna's `value_json`), nil when absent.
    public func studyAttribute(_ key: String, studyID: Int) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND \"key\" = ?",
                                arguments: [studyID, key])
        }
    }

    /// Sets a study system attribute; `json` must be JSON text (a string keeps its quotes).
    public func setStudyAttribute(_ key: String, json: String, studyID: Int) throws {
        try pool.write { db in try Self.setAttribute(db, table: "study_system_attributes", owner: "study_id", id: Int64(studyID), key: key, json: json) }
    }

    /// The JSON text of a trial system attribute, nil when absent.
    public func trialAttribute(_ key: String, studyID: Int, trial number: Int) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT a.value_json FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id
                WHERE t.study_id = ? AND t.number = ? AND a."key" = ?
                """, arguments: [studyID, number, key])
        }
    }

    /// Sets a trial system attribute, e.g. the process group id of the trial's job.
    public func setTrialAttribute(_ key: String, json: String, studyID: Int, trial number: Int) throws {
        try pool.write { db in
            guard let trialID = try Int64.fetchOne(db, sql: "SELECT trial_id FROM trials WHERE study_id = ? AND number = ?",
                                                   arguments: [studyID, number]) else { return }
            try Self.setAttribute(db, table: "trial_system_attributes", owner: "trial_id", id: trialID, key: key, json: json)
        }
    }

    /// The stop file the engine running this study watches (`watch` deletes it to stop the study).
    public func stopFile(studyID: Int) throws -> String? {
        try studyAttribute(StoreKey.stopFile, studyID: studyID).flatMap { JSONValue.parse($0)?.string }
    }

    static func setAttribute(_ db: Database, table: String, owner: String, id: Int64, key: String, json: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO \(table) (\(owner), "key", value_json) VALUES (?, ?, ?)
            ON CONFLICT (\(owner), "key") DO UPDATE SET value_json = excluded.value_json
            """).execute(arguments: [id, key, json])
    }

    func eventTablesExist(_ db: Database) throws -> Bool {
        try hasEventTables || db.tableExists("hypertop_events")
    }

    static func requireStudy(_ db: Database, _ studyID: Int) throws {
        guard try Int.fetchOne(db, sql: "SELECT 1 FROM studies WHERE study_id = ?", arguments: [studyID]) != nil else {
            throw StoreError.unknownStudy(id: studyID)
        }
    }
}

extension StudyStore {
    /// Where a study's store lives: the config's `storage` key, else `<workdir>/hypertop.db`.
    public static func defaultPath(for spec: StudySpec) -> String {
        if let storage = spec.storage, !storage.isEmpty { return storage }
        return URL(fileURLWithPath: spec.workdir).appendingPathComponent("hypertop.db").path
    }
}
