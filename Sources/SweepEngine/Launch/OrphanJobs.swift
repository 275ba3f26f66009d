import Foundation
import HyperOpt
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// Jobs a dead engine left behind are ended (SIGTERM, then SIGKILL): their trials are FAIL now.
/// A job is found by the process group it recorded, or by the trial directory in its
/// environment, so a reused pid is never hit.
public enum OrphanJobs {
    public static func end(_ orphans: [Int], study: Study, grace: Double, say: (String) -> Void) async {
        let runDirs = Set(orphans.compactMap { study.trial($0)?.launch.runDir })
        guard !runDirs.isEmpty else { return }
        var groups = Set<Int32>()
        for dir in runDirs {
            if let pgid = TrialFiles(runDir: dir).readJobID(), belongsToTrial(pid: pgid, runDirs: [dir]) { groups.insert(pgid) }
        }
        for pid in processes(ofTrialDirectories: runDirs) {
            let pgid = getpgid(pid)
            if pgid > 0 { groups.insert(pgid) }
        }
        for g in groups.sorted() {
            kill(-g, SIGTERM)
            say("Ended the job (process group \(g)) of a trial the earlier engine left running")
        }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline && groups.contains(where: { kill(-$0, 0) == 0 }) { try? await Task.sleep(for: .milliseconds(50)) }
        for g in groups { kill(-g, SIGKILL) }
    }

    /// Live processes (not this one) whose environment names one of these trial directories.
    static func processes(ofTrialDirectories runDirs: Set<String>) -> [Int32] {
        let me = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
            .filter { $0 != me && belongsToTrial(pid: $0, runDirs: runDirs) }
    }

    /// The process's environment names one of these trial directories.
    static func belongsToTrial(pid: Int32, runDirs: Set<String>) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        let prefix = Array((TrialEnvironment.trialDirectory + "=").utf8)
        return data.split(separator: 0).contains { entry in
            entry.starts(with: prefix) && runDirs.contains(String(decoding: entry.dropFirst(prefix.count), as: UTF8.self))
        }
    }
}
