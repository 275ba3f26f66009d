import Foundation
import HyperOpt
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// Jobs a dead engine left behind are ended (SIGTERM, then SIGKILL after the grace) before their
/// trials are marked FAIL (see `StudyStore.resume`). A job is found by the process group it
/// recorded, or by the trial directory in its environment, so a reused pid is never hit.
public enum OrphanJobs {
    /// How long SIGKILLed groups get to be gone before the end is said anyway.
    static let killWait: Double = 5

    public static func end(_ orphans: [Int], study: Study, grace: Double, say: (String) -> Void) async {
        var trialOf: [Int32: Int] = [:]
        for n in orphans {
            guard let dir = study.trial(n)?.launch.runDir else { continue }
            if let pgid = TrialFiles(runDir: dir).readJobID(), belongsToTrial(pid: pgid, runDirs: [dir]) { trialOf[pgid] = n }
            for pid in processes(ofTrialDirectories: [dir]) {
                let pgid = getpgid(pid)
                if pgid > 0 { trialOf[pgid] = n }
            }
        }
        guard !trialOf.isEmpty else { return }
        let groups = trialOf.keys.sorted()
        for g in groups {
            kill(-g, SIGTERM)
            say("Ending the job (process group \(g)) of trial #\(trialOf[g]!), which the earlier engine left running: "
                + "SIGTERM now, SIGKILL after \(String(format: "%g", grace)) s if it is still there")
        }
        let alive = groupRuns
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline && groups.contains(where: alive) { try? await Task.sleep(for: .milliseconds(50)) }
        let stubborn = groups.filter(alive)
        for g in stubborn { kill(-g, SIGKILL) }
        let killDeadline = Date().addingTimeInterval(killWait)
        while Date() < killDeadline && stubborn.contains(where: alive) { try? await Task.sleep(for: .milliseconds(20)) }
        // Said only now, when it is true.
        for g in groups {
            let how = alive(g) ? "still there after SIGKILL" : stubborn.contains(g) ? "ended by SIGKILL after the grace" : "ended"
            say("Job (process group \(g)) of trial #\(trialOf[g]!): \(how)")
        }
    }

    /// Whether a process group still has a member that runs. A zombie does not count: it is gone
    /// for good, and waits only for its parent (init, for a dead engine's job) to reap it.
    static func groupRuns(_ group: Int32) -> Bool {
        guard kill(-group, 0) == 0 else { return false }
        var reader = ProcReader()
        for pid in ProcReader.pids() where reader.stat(pid).map({ $0.group == group && $0.runs }) ?? false { return true }
        return false
    }

    /// This engine, as its jobs carry it in `HYPERTOP_ENGINE`.
    public static let engineToken = "\(getpid())@\(ProcessInfo.processInfo.hostName)"

    /// Live processes (not this one) whose environment names one of these trial directories. With
    /// `ownOnly`, only those this engine started (or that carry no engine at all): another engine's
    /// processes are never reached, even in a directory of the same name.
    static func processes(ofTrialDirectories runDirs: Set<String>, ownOnly: Bool = false) -> [Int32] {
        let me = getpid()
        return ProcReader.pids().filter { $0 != me && belongsToTrial(pid: $0, runDirs: runDirs, engine: ownOnly ? engineToken : nil) }
    }

    /// The process's environment names one of these trial directories (and, given `engine`, no
    /// engine but that one).
    static func belongsToTrial(pid: Int32, runDirs: Set<String>, engine: String? = nil) -> Bool {
        guard let (runDir, startedBy) = trialDirectory(ofProcess: pid), runDirs.contains(runDir) else { return false }
        guard let engine, let startedBy else { return true }
        return startedBy == engine
    }

    /// The trial directory a process's environment names (`HYPERTOP_TRIAL_DIR`), and the engine
    /// that started it (`HYPERTOP_ENGINE`), when it names one: a job's processes, its children and
    /// what they forked away carry both.
    static func trialDirectory(ofProcess pid: Int32) -> (runDir: String, engine: String?)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        let dirPrefix = Array((TrialEnvironment.trialDirectory + "=").utf8)
        let enginePrefix = Array((TrialEnvironment.engine + "=").utf8)
        var runDir: String?, startedBy: String?
        for entry in data.split(separator: 0) {
            if entry.starts(with: dirPrefix) {
                runDir = String(decoding: entry.dropFirst(dirPrefix.count), as: UTF8.self)
            } else if entry.starts(with: enginePrefix) {
                startedBy = String(decoding: entry.dropFirst(enginePrefix.count), as: UTF8.self)
            }
        }
        return runDir.map { ($0, startedBy) }
    }
}
