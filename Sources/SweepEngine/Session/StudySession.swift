import Foundation
import GRDB
import HyperOpt
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// Why a study could not be opened; one sentence with the fix.
public struct SessionError: UserError {
    public let description: String
    init(_ message: String) { description = message }
}

/// The store side of a run: creates the study, or resumes it (failing and ending what a dead
/// engine left running), or moves it aside for a new one. Nothing is deleted.
public struct StudySession {
    public let store: StudyStore
    public let studyID: Int
    /// The recorded study to continue, nil for a new one.
    public let resumed: Study?
    /// Trials a dead engine left running, now FAIL; their sets are re-run up to `retries`.
    public let lost: Set<Int>
    /// Trials a dead engine left whose jobs the launcher took over (Slurm jobs still queued or
    /// running, or ended while no engine watched): they go on.
    public var adopted: [Int: JobHandle] = [:]

    /// What to do with a study the store already has.
    public enum Choice { case resume, startOver }

    /// The study as recorded, for the caller to choose.
    public struct Existing {
        public let name: String
        public let trials: Int
        public let storePath: String
    }

    /// How long opening waits for another process's write lock on the store.
    public static let lockWait: TimeInterval = 30
    /// How long the engine's statements wait for a lock before it keeps their events for later.
    public static let engineBusyTimeout: TimeInterval = 1

    /// `choose` is asked only when the store already has the study; `say` gets what is done.
    /// A store another process holds locked is waited for (said at once, up to `lockWait`).
    public static func open(spec: StudySpec, info: StudyInfo, storePath: String, launcher: any Launcher = LocalLauncher(),
                            choose: (Existing) throws -> Choice, say: @escaping @Sendable (String) -> Void) async throws -> StudySession {
        let start = Date()
        var waiting = false
        while true {
            do {
                return try await openOnce(spec: spec, info: info, storePath: storePath, launcher: launcher, choose: choose, say: say)
            } catch let error as DatabaseError where StoreFailure.isLock(error) {
                if Date().timeIntervalSince(start) >= lockWait {
                    throw SessionError("the study store \(storePath) stayed locked by another process for \(Int(lockWait)) s; "
                                       + "find it with `fuser \(storePath)`, or pass another file with --storage.")
                }
                if !waiting { say("Waiting for the study store's write lock: another process holds \(storePath) (up to \(Int(lockWait)) s)") }
                waiting = true
                try? await Task.sleep(for: .milliseconds(200))
            } catch let error as DatabaseError {
                throw SessionError("cannot use the study store \(storePath): \(StoreFailure.describe(error)).")
            }
        }
    }

    private static func openOnce(spec: StudySpec, info: StudyInfo, storePath: String, launcher: any Launcher,
                                 choose: (Existing) throws -> Choice, say: @escaping @Sendable (String) -> Void) async throws -> StudySession {
        let store: StudyStore
        do {
            try FileManager.default.createDirectory(atPath: (storePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            store = try StudyStore(path: storePath, busyTimeout: engineBusyTimeout)
        } catch let error as DatabaseError where StoreFailure.isLock(error) {
            throw error
        } catch let error as StoreError {
            throw SessionError("\(error)")
        } catch {
            throw SessionError("cannot open the study store \(storePath): \(FileErrorText.describe(error)); pass another file with --storage.")
        }
        // Before anything is moved or launched, the sweep directory becomes this engine's alone.
        func claimSweepDirectory() throws { try SweepDirectoryClaim.take(info.sweepDir, study: spec.studyName, store: storePath) }
        /// A new study; a journal already named for its id holds a study of an earlier file at this
        /// path (deleted while it ran), never this one's: it is moved aside, not replayed into it.
        func newStudy() throws -> Int {
            let id = try store.createStudy(info)
            let stale = StoreJournal(storePath: storePath, studyID: id)
            stale.removeIfEmpty()
            if stale.exists {
                let aside = unusedPath(stale.path + "-stale-" + stamp())
                if rename(stale.path, aside) == 0 {
                    say("Moved \(stale.path) to \(aside): it holds events of a study in an earlier store file at this path, not of this study")
                }
            }
            return id
        }
        do {
            guard let existing = try store.studyID(named: spec.studyName) else {
                try claimSweepDirectory()
                try moveAside(info.sweepDir, reason: "it holds trials of a study that is not in \(storePath)", say: say)
                let id = try newStudy()
                try store.claim(studyID: id)
                return StudySession(store: store, studyID: id, resumed: nil, lost: [])
            }
            let summary = try store.studies().first { $0.studyID == existing }
            // A study another engine runs is never renamed or moved under it, whatever was asked.
            if let owner = try store.engineOwner(studyID: existing), !owner.isThisProcess,
               owner.isAlive == true || (owner.isAlive == nil && (summary?.counts[.running] ?? 0) > 0) {
                throw StoreError.studyRunning(name: spec.studyName, pid: owner.pid, host: owner.host)
            }
            try claimSweepDirectory()
            // What an earlier engine could not record goes in first (it ended, or it died).
            let journal = StoreJournal(storePath: storePath, studyID: existing)
            func replayed(_ journal: StoreJournal) throws -> Bool {
                do {
                    let count = try store.replay(journal, studyID: existing)
                    if count > 0 { say("Recorded \(count) event(s) an earlier run could not write, from \(journal.path)") }
                    return count > 0
                } catch let error as JournalError {
                    throw SessionError("cannot replay the study's journal \(error); move it away to run without those events.")
                } catch let error as DatabaseError where !StoreFailure.isLock(error) {
                    throw SessionError("cannot record the study's journal \(journal.path) in the store: \(StoreFailure.describe(error)); "
                                       + "move the journal away to run without those events.")
                }
            }
            let trials = try (replayed(journal) ? store.studies().first { $0.studyID == existing } : summary)?.total ?? 0
            switch try choose(Existing(name: spec.studyName, trials: trials, storePath: storePath)) {
            case .startOver:
                // What a dead engine left running of the kept study ends with it, and says why.
                let retired = try await store.retire(studyID: existing) { orphans, study in
                    await launcher.end(orphans: orphans, study: study, grace: spec.killGraceSeconds, say: say)
                }
                if !retired.isEmpty {
                    say("Marked trial(s) \(retired.map { "#\($0)" }.joined(separator: ", ")) of the earlier study FAIL: "
                        + "the engine that ran them is gone, and their jobs were ended")
                }
                let stamp = Self.stamp()
                let kept = try Self.unusedStudyName("\(spec.studyName)-\(stamp)", in: store)
                try store.renameStudy(id: existing, to: kept)
                say("Kept the earlier study as \"\(kept)\" in \(storePath)")
                try moveAside(info.sweepDir, reason: "starting over", stamp: stamp, say: say)
                let id = try newStudy()
                try store.claim(studyID: id)
                return StudySession(store: store, studyID: id, resumed: nil, lost: [])
            case .resume:
                // Before any job is ended or launched: a study hypertop would change into something else is refused.
                if let refusal = Self.refusal(toResume: summary, spec: spec, storePath: storePath) { throw SessionError(refusal) }
                let resumption = try await store.resume(studyID: existing, adopt: launcher.adopt) { orphans, study in
                    await launcher.end(orphans: orphans, study: study, grace: spec.killGraceSeconds, say: say)
                }
                return StudySession(store: store, studyID: existing, resumed: resumption.study, lost: Set(resumption.orphans),
                                    adopted: resumption.adopted)
            }
        } catch let error as StoreError {
            throw SessionError("\(error)")
        }
    }

    /// Why the stored study cannot be continued with `spec`, in one sentence with the way on; nil
    /// when it can. Optuna's `study_directions` is what the study is: trials with another number of
    /// values would break Optuna's `best_trials`, and a changed direction would make the run and
    /// `best` rank the other way from `studies`, the store and Optuna.
    static func refusal(toResume summary: StoredStudySummary?, spec: StudySpec, storePath: String) -> String? {
        guard let stored = summary?.directions, !stored.isEmpty else { return nil }
        let name = ProcessText.printable(spec.studyName)
        let wanted = spec.objectiveDirections
        let said = { (ds: [Direction]) in ds.count == 1 ? ds[0].rawValue : "[" + ds.map(\.rawValue).joined(separator: ", ") + "]" }
        if stored.count != wanted.count {
            return "study \"\(name)\" in \(storePath) has \(stored.count) objective\(stored.count == 1 ? "" : "s") (direction: \(said(stored))), "
                + "but the config gives \(wanted.count) (direction: \(said(wanted))); nothing was run: its trials would get the wrong number of values. "
                + "Set direction: \(said(stored)) to resume it, or pass --new to keep it under another name and start a new study."
        }
        if stored != wanted {
            return "study \"\(name)\" in \(storePath) was run to \(said(stored)), but the config says direction: \(said(wanted)); "
                + "nothing was run. Set direction: \(said(stored)) in the config to resume it, "
                + "or pass --new to keep it under another name and start a new study."
        }
        return nil
    }

    public static func stamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }

    /// A sweep directory that already holds trials of another study is moved aside to a name not taken.
    public static func moveAside(_ dir: String, reason: String, stamp: String = StudySession.stamp(), say: (String) -> Void) throws {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: dir), entries.contains(where: { Int($0) != nil }) else { return }
        let aside = unusedPath(dir + "-" + stamp)
        do {
            try fm.moveItem(atPath: dir, toPath: aside)
        } catch {
            throw SessionError("could not move the sweep directory \(dir) aside to \(aside) (\(reason)): \(FileErrorText.describe(error))")
        }
        say("Moved the sweep directory \(dir) to \(aside) (\(reason))")
    }

    /// `name`, or `name-2`, `name-3`, ...: the first no study in the store has (a second `--new`
    /// within the same second finds its stamp taken).
    static func unusedStudyName(_ name: String, in store: StudyStore) throws -> String {
        var candidate = name, n = 2
        while try store.studyID(named: candidate) != nil {
            candidate = "\(name)-\(n)"
            n += 1
        }
        return candidate
    }

    /// `path`, or `path-2`, `path-3`, ... : the first where nothing is, not even a dangling link.
    public static func unusedPath(_ path: String) -> String {
        var candidate = path, n = 2
        var st = stat()
        while lstat(candidate, &st) == 0 {
            candidate = "\(path)-\(n)"
            n += 1
        }
        return candidate
    }

    /// A new directory `<parent>/<name>-<stamp>` (never an existing one), created: each run of a
    /// performance test has its own.
    public static func freshDirectory(_ parent: String, name: String) throws -> String {
        let dir = unusedPath((parent as NSString).appendingPathComponent("\(name)-\(stamp())"))
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw SessionError("could not create the test's directory \(dir): \(FileErrorText.describe(error))")
        }
        return dir
    }
}

