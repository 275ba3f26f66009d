import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The machine's limit on this user's processes (RLIMIT_NPROC), against `n_jobs`: jobs beyond
/// what may still be started would fail at fork, each one a failed trial.
public enum ProcessLimits {
    /// Processes kept free for hypertop itself, the shell and each job's children.
    static let headroom = 16

    /// `n_jobs`, or fewer with the reason when the limit leaves less room: `limit` is the soft
    /// RLIMIT_NPROC (nil for none), `inUse` the user's processes now (counted only under a limit).
    public static func cap(nJobs: Int, limit: Int?, inUse: @autoclosure () -> Int) -> (nJobs: Int, warning: String?) {
        guard let limit else { return (nJobs, nil) }
        let inUse = inUse()
        let room = max(1, limit - inUse - headroom)
        guard nJobs > room else { return (nJobs, nil) }
        return (room, "n_jobs \(nJobs) is more than this user may start now (process limit \(limit), \(inUse) running): running \(room) at a time; raise it with `ulimit -u`")
    }

    /// This process's soft RLIMIT_NPROC, nil when unlimited.
    public static func currentLimit() -> Int? {
        var r = rlimit()
        guard getrlimit(__rlimit_resource_t(__RLIMIT_NPROC.rawValue), &r) == 0, r.rlim_cur != rlim_t.max else { return nil }
        return r.rlim_cur > rlim_t(Int.max) ? nil : Int(r.rlim_cur)
    }

    /// Processes (threads count against the limit too, as the kernel counts them) of this user.
    public static func userTasks() -> Int {
        let uid = getuid()
        var count = 0
        for pid in ProcReader.pids() {
            var st = stat()
            guard stat("/proc/\(pid)", &st) == 0, st.st_uid == uid else { continue }
            count += ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"))?.count) ?? 1
        }
        return count
    }
}
