import Foundation
import HyperOpt
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// How `run` treats a study that already exists in the store.
enum ExistingStudyChoice {
    case resume, startOver, ask
}

/// The store side of `run`: creates the study, or resumes it (failing and ending what a dead
/// engine left running), or moves it aside for a new one.
struct StudyOpening {
    let store: StudyStore
    let studyID: Int
    /// The recorded study to continue, nil for a new one.
    let resumed: Study?
    /// Trials a dead engine left running, now FAIL; their sets are re-run up to `retries`.
    let lost: Set<Int>

    static func open(spec: StudySpec, info: StudyInfo, storePath: String, choice: ExistingStudyChoice) throws -> StudyOpening {
        let store: StudyStore
        do {
            try FileManager.default.createDirectory(atPath: (storePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            store = try StudyStore(path: storePath)
        } catch let error as StoreError {
            throw CLIError("\(error)")
        } catch {
            throw CLIError("cannot open the study store \(storePath): \(error.localizedDescription); pass another file with --storage.")
        }
        do {
            guard let existing = try store.studyID(named: spec.studyName) else {
                try moveAsideSweepDirectory(info.sweepDir, reason: "it holds trials of a study that is not in \(storePath)")
                let id = try store.createStudy(info)
                try store.claim(studyID: id)
                return StudyOpening(store: store, studyID: id, resumed: nil, lost: [])
            }
            var resume = true
            switch choice {
            case .resume: resume = true
            case .startOver: resume = false
            case .ask: resume = try askToResume(store: store, id: existing, name: spec.studyName)
            }
            if !resume {
                let stamp = Self.stamp()
                try store.renameStudy(id: existing, to: "\(spec.studyName)-\(stamp)")
                print("Kept the earlier study as \"\(spec.studyName)-\(stamp)\" in \(storePath)")
                try moveAsideSweepDirectory(info.sweepDir, reason: "starting over", stamp: stamp)
                let id = try store.createStudy(info)
                try store.claim(studyID: id)
                return StudyOpening(store: store, studyID: id, resumed: nil, lost: [])
            }
            let resumption = try store.resume(studyID: existing)
            endOrphanedJobs(resumption.orphans, study: resumption.study, grace: spec.killGraceSeconds)
            return StudyOpening(store: store, studyID: existing, resumed: resumption.study, lost: Set(resumption.orphans))
        } catch let error as StoreError {
            throw CLIError("\(error)")
        }
    }

    static func stamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }

    private static func askToResume(store: StudyStore, id: Int, name: String) throws -> Bool {
        let trials = try store.studies().first { $0.studyID == id }?.total ?? 0
        guard isatty(STDIN_FILENO) == 1 else {
            print("Resuming study \"\(name)\" (\(trials) recorded trials); pass --new to start over.")
            return true
        }
        print("Study \"\(name)\" already has \(trials) recorded trial(s) in \(store.path).")
        while true {
            print("Resume it [r], start a new one and keep the old under another name [n], or quit [q]? ", terminator: "")
            fflush(nil)
            guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { throw CLIError("no answer; pass --resume or --new.") }
            switch answer {
            case "", "r", "resume", "y", "yes": return true
            case "n", "new": return false
            case "q", "quit": throw CLIError("nothing was run; pass --resume or --new to choose without a question.")
            default: continue
            }
        }
    }

    /// A sweep directory that already holds trials of another study is moved aside; nothing is deleted.
    static func moveAsideSweepDirectory(_ dir: String, reason: String, stamp: String = StudyOpening.stamp()) throws {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: dir), entries.contains(where: { Int($0) != nil }) else { return }
        let aside = unusedPath(dir + "-" + stamp)
        do {
            try fm.moveItem(atPath: dir, toPath: aside)
        } catch {
            throw CLIError("could not move the sweep directory \(dir) aside to \(aside) (\(reason)): \(describe(error))")
        }
        print("Moved the sweep directory \(dir) to \(aside) (\(reason))")
    }

    /// `path`, or `path-2`, `path-3`, ... : the first that does not exist.
    static func unusedPath(_ path: String) -> String {
        var candidate = path, n = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(path)-\(n)"
            n += 1
        }
        return candidate
    }

    /// A new directory `<parent>/<name>-<stamp>` (never an existing one), created.
    static func freshDirectory(_ parent: String, name: String) throws -> String {
        let dir = unusedPath((parent as NSString).appendingPathComponent("\(name)-\(stamp())"))
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CLIError("could not create the test's directory \(dir): \(describe(error))")
        }
        return dir
    }

    /// Jobs a dead engine left behind are ended (SIGTERM, then SIGKILL): their trials are FAIL now.
    /// A job is found by the process group it recorded, or by the trial directory in its
    /// environment, so a reused pid is never hit.
    static func endOrphanedJobs(_ orphans: [Int], study: Study, grace: Double) {
        let runDirs = Set(orphans.compactMap { study.trial($0)?.launch.runDir })
        guard !runDirs.isEmpty else { return }
        var groups = Set<Int32>()
        for dir in runDirs {
            if let pgid = TrialFiles(runDir: dir).readJobID(), belongsToTrial(pid: pgid, runDirs: [dir]) { groups.insert(pgid) }
        }
        for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap({ Int32($0) }) ?? []
        where belongsToTrial(pid: pid, runDirs: runDirs) {
            let pgid = getpgid(pid)
            if pgid > 0 { groups.insert(pgid) }
        }
        for g in groups.sorted() {
            kill(-g, SIGTERM)
            print("Ended the job (process group \(g)) of a trial the earlier engine left running")
        }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline && groups.contains(where: { kill(-$0, 0) == 0 }) { usleep(50_000) }
        for g in groups { kill(-g, SIGKILL) }
    }

    /// The process's environment names this trial directory (so a reused pid is never hit).
    static func belongsToTrial(pid: Int32, runDirs: Set<String>) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        let prefix = Array("HYPERTOP_TRIAL_DIR=".utf8)
        return data.split(separator: 0).contains { entry in
            entry.starts(with: prefix) && runDirs.contains(String(decoding: entry.dropFirst(prefix.count), as: UTF8.self))
        }
    }
}
