import Foundation
import GRDB
import HyperOpt

/// The engine process that runs a study, as recorded in the study's `hypertop:engine` attribute.
public struct EngineOwner: Sendable, Hashable {
    public var pid: Int32
    public var host: String
    public var since: Date

    public init(pid: Int32, host: String, since: Date) {
        self.pid = pid
        self.host = host
        self.since = since
    }

    /// The current process.
    public static func current(at date: Date = Date()) -> EngineOwner {
        EngineOwner(pid: getpid(), host: ProcessInfo.processInfo.hostName, since: date)
    }

    /// Whether this is the current process.
    public var isThisProcess: Bool { pid == getpid() && host == ProcessInfo.processInfo.hostName }

    /// Whether the process still exists. Only knowable on this host: elsewhere, trust heartbeats.
    public var isAlive: Bool? {
        guard host == ProcessInfo.processInfo.hostName else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A killed engine may linger as a zombie nobody reaps (a container's init): that is not alive.
        var reader = ProcReader()
        return reader.stat(pid)?.runs ?? true
    }

    var json: String {
        JSONText.object([("pid", String(pid)), ("host", JSONText.quote(host)), ("since", JSONText.quote(OptunaFormat.datetime(since)))])
    }

    init?(json: String) {
        guard let v = JSONValue.parse(json), let pid = v["pid"]?.int, let host = v["host"]?.string else { return nil }
        self.init(pid: Int32(clamping: pid), host: host, since: v["since"]?.string.flatMap(OptunaFormat.date) ?? Date(timeIntervalSince1970: 0))
    }
}

extension StudyStore {
    /// Records that `owner` (by default this process) runs the study now.
    public func claim(studyID: Int, owner: EngineOwner = .current()) throws {
        try setStudyAttribute(StoreKey.engine, json: owner.json, studyID: studyID)
    }

    /// The engine that last claimed the study, if any. A resuming engine refuses to run a study
    /// whose owner `isAlive == true`, and otherwise fails that owner's orphans.
    public func engineOwner(studyID: Int) throws -> EngineOwner? {
        try studyAttribute(StoreKey.engine, studyID: studyID).flatMap(EngineOwner.init(json:))
    }

    /// Refreshes the heartbeat (Optuna's `trial_heartbeats`) of running trials, by trial number.
    public func heartbeat(studyID: Int, trials numbers: [Int], at date: Date = Date()) throws {
        guard !numbers.isEmpty else { return }
        try pool.write { db in
            let lookup = try db.cachedStatement(sql: "SELECT trial_id FROM trials WHERE study_id = ? AND number = ? AND state = 'RUNNING'")
            for number in numbers {
                if let id = try Int64.fetchOne(lookup, arguments: [studyID, number]) { try Self.beat(db, trialID: id, at: date) }
            }
        }
    }

    /// Trials left RUNNING by a dead engine: their heartbeat is older than `staleAfter` seconds, or
    /// missing. Each becomes FAIL with a reason (in Optuna's tables, and as a `finished` event so
    /// the replayed Study agrees). Pass `staleAfter: 0` when the engine is known to be gone.
    /// Returns the numbers of the trials failed, ascending.
    /// Trials `except` names are left RUNNING (their jobs were adopted).
    @discardableResult
    public func failOrphans(studyID: Int, staleAfter: TimeInterval, now: Date = Date(), except: Set<Int> = []) throws -> [Int] {
        do {
            return try pool.write { db in
                try Self.requireStudy(db, studyID)
                let orphans = try Self.staleTrials(db, studyID: studyID, staleAfter: staleAfter, now: now).filter { !except.contains($0.number) }
                let events: [EngineEvent] = orphans.map { orphan in
                    let since = orphan.heartbeat.map { "its last heartbeat was at \($0) UTC" } ?? "it never sent a heartbeat"
                    return .finished(.lostWithEngine(number: orphan.number, detail: since, at: now))
                }
                try recordInTransaction(db, events, studyID: studyID)
                return orphans.map(\.number)
            }
        } catch {
            writeState.forget(studyID)
            throw error
        }
    }

    /// RUNNING trials whose heartbeat is older than `staleAfter` seconds, or missing.
    static func staleTrials(_ db: Database, studyID: Int, staleAfter: TimeInterval, now: Date) throws -> [(number: Int, heartbeat: String?)] {
        let limit = OptunaFormat.datetime(now.addingTimeInterval(-staleAfter))
        return try Row.fetchAll(db, sql: """
            SELECT t.number, h.heartbeat FROM trials t LEFT JOIN trial_heartbeats h ON h.trial_id = t.trial_id
            WHERE t.study_id = ? AND t.state = 'RUNNING' AND (h.heartbeat IS NULL OR h.heartbeat <= ?) ORDER BY t.number
            """, arguments: [studyID, limit]).map { ($0[0], $0[1]) }
    }
}

/// What `resume` found and did.
public struct Resumption: Sendable {
    /// The study as recorded, orphans already failed: its trials count toward `max_trials`, its
    /// observations feed the sampler, and its failed sets are the ones to re-run (`retries`).
    public var study: Study
    /// Trials the dead engine left RUNNING, now FAIL.
    public var orphans: [Int]
    /// Trials the dead engine left whose jobs the launcher took over: they go on.
    public var adopted: [Int: JobHandle] = [:]
    /// The engine that ran the study before.
    public var previousOwner: EngineOwner?
}

extension StudyStore {
    /// Synchronous on purpose: the pool's blocking read, not its async one, from `resume`.
    func readStaleTrials(studyID: Int, staleAfter: TimeInterval, now: Date) throws -> [(number: Int, heartbeat: String?)] {
        try pool.read { db in try Self.staleTrials(db, studyID: studyID, staleAfter: staleAfter, now: now) }
    }

    /// Takes a study over from an engine that is gone: refuses while that engine lives (same host:
    /// its process exists; other host: its trials' heartbeats are fresher than `heartbeatTimeout`),
    /// fails its orphaned trials, records this process as the owner, and returns the study.
    /// `adopt` is offered the orphans first: those it takes over stay RUNNING. `end` then ends the
    /// jobs of the others, and only once it returns are their trials marked FAIL: a resume that is
    /// itself interrupted meanwhile leaves them RUNNING, so that the next one still ends them.
    public func resume(studyID: Int, heartbeatTimeout: TimeInterval = 60, now: Date = Date(),
                       adopt: ([OrphanedJob]) async -> [Int: JobHandle] = { _ in [:] },
                       end: ([OrphanedJob], Study) async -> Void = { _, _ in }) async throws -> Resumption {
        let owner = try engineOwner(studyID: studyID)
        let staleAfter = try owner.map { try orphanAge(studyID: studyID, owner: $0, heartbeatTimeout: heartbeatTimeout) } ?? 0
        let (orphans, adopted) = try await endOrphans(studyID: studyID, staleAfter: staleAfter, now: now, adopt: adopt, end: end)
        let study = try loadStudy(id: studyID)
        if study.trials.contains(where: { !$0.state.isFinished && adopted[$0.number] == nil }), let owner {
            throw StoreError.studyRunning(name: try name(ofStudy: studyID), pid: owner.pid, host: owner.host)
        }
        try claim(studyID: studyID, owner: .current(at: now))
        return Resumption(study: study, orphans: orphans, adopted: adopted, previousOwner: owner)
    }
}

extension StudyStore {
    /// Ends what a dead engine left of a study that is kept, not continued (`run --new`): the jobs
    /// of its RUNNING trials are ended (`end`), then those trials are marked FAIL with the reason,
    /// so that the kept study never shows trials running for good. A study no hypertop engine
    /// claimed (Python optuna's) is left as it is. Returns the numbers of the trials failed.
    public func retire(studyID: Int, heartbeatTimeout: TimeInterval = 60, now: Date = Date(),
                       end: ([OrphanedJob], Study) async -> Void) async throws -> [Int] {
        guard let owner = try engineOwner(studyID: studyID), !owner.isThisProcess else { return [] }
        let staleAfter = try orphanAge(studyID: studyID, owner: owner, heartbeatTimeout: heartbeatTimeout)
        return try await endOrphans(studyID: studyID, staleAfter: staleAfter, now: now, adopt: { _ in [:] }, end: end).failed
    }

    /// The study's name, for a message (its id where it has none any more).
    func name(ofStudy studyID: Int) throws -> String {
        try studies().first { $0.studyID == studyID }?.name ?? String(studyID)
    }

    /// How long a RUNNING trial of a study `owner` claimed goes without a heartbeat before it is
    /// an orphan: any time once its engine is known gone, `heartbeatTimeout` where that cannot be
    /// known (another host), never this process's own; throws while its engine lives.
    func orphanAge(studyID: Int, owner: EngineOwner, heartbeatTimeout: TimeInterval) throws -> TimeInterval {
        guard !owner.isThisProcess else { return heartbeatTimeout }
        switch owner.isAlive {
        case true?: throw StoreError.studyRunning(name: try name(ofStudy: studyID), pid: owner.pid, host: owner.host)
        case false?: return 0
        case nil: return heartbeatTimeout
        }
    }

    /// The jobs of the orphans `adopt` does not take over are ended (`end`), and only then are
    /// their trials marked FAIL: an end that is itself interrupted leaves them RUNNING, so that the
    /// next one still ends them. Returns the trials failed and the jobs adopted.
    func endOrphans(studyID: Int, staleAfter: TimeInterval, now: Date, adopt: ([OrphanedJob]) async -> [Int: JobHandle],
                    end: ([OrphanedJob], Study) async -> Void) async throws -> (failed: [Int], adopted: [Int: JobHandle]) {
        let stale = try readStaleTrials(studyID: studyID, staleAfter: staleAfter, now: now)
        var adopted: [Int: JobHandle] = [:]
        if !stale.isEmpty {
            let before = try loadStudy(id: studyID)
            let left = stale.compactMap { s in before.trial(s.number).map { OrphanedJob(trial: s.number, runDir: $0.launch.runDir) } }
            adopted = await adopt(left)
            await end(left.filter { adopted[$0.trial] == nil }, before)
        }
        return (try failOrphans(studyID: studyID, staleAfter: staleAfter, now: now, except: Set(adopted.keys)), adopted)
    }
}

/// Whether a study's engine runs, and where: for `studies` and `attach`.
public enum EngineState: Sendable, Equatable {
    /// Its engine process lives (on this host), or runs elsewhere and has not said it is done.
    case running(EngineOwner)
    /// It ran to its end.
    case done
    /// Its engine is gone before the end (killed, or the machine went down), or a signal ended it
    /// early: resume it to go on.
    case stopped
    /// Not one of hypertop's (a study Python optuna wrote).
    case unknown
    /// No longer in the store (deleted while a viewer followed it).
    case deleted

    public var isRunning: Bool { if case .running = self { return true } else { return false } }

    /// As the studies browser shows it; nil for a study hypertop did not run.
    public var status: EngineStatus? {
        switch self {
        case .running(let o): return .running(host: o.host, pid: o.pid)
        case .done: return .done
        case .stopped: return .stopped
        case .unknown, .deleted: return nil
        }
    }

    /// `running (pid 12 on node3)`, `done`, `stopped`, `-`.
    public var text: String {
        switch self {
        case .running(let o): return "running (pid \(o.pid) on \(o.host))"
        case .done: return "done"
        case .stopped: return "stopped"
        case .unknown: return "-"
        case .deleted: return "deleted"
        }
    }
}

extension StudyStore {
    public func engineState(studyID: Int) throws -> EngineState {
        guard try pool.read({ db in try Int.fetchOne(db, sql: "SELECT 1 FROM studies WHERE study_id = ?", arguments: [studyID]) }) != nil else {
            return .deleted
        }
        let phase = try studyAttribute(StoreKey.phase, studyID: studyID).flatMap { JSONValue.parse($0)?.string }
        if phase == StudyPhase.done.rawValue {
            // A signal ended it before its end: stopped (resume it to go on), as a dead engine's is.
            let reason = try studyAttribute(StoreKey.endReason, studyID: studyID).flatMap { JSONValue.parse($0)?.string }
            return reason?.hasPrefix(StudyPhase.stoppedBy) == true ? .stopped : .done
        }
        guard let owner = try engineOwner(studyID: studyID) else { return phase == nil ? .unknown : .stopped }
        return owner.isAlive == false ? .stopped : .running(owner)
    }
}
