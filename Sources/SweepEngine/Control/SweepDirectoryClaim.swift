import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A sweep directory belongs to one live engine, whatever store it records in: two engines that
/// wrote trials into one `data/<study>/<n>/` mixed their files, and each one's end-of-trial cleanup
/// (which finds a job's processes by their trial directory) killed the other's jobs.
///
/// The engine holds an exclusive `flock` on `.<name>.hypertop-engine` beside the directory (beside,
/// so that moving an old sweep directory aside does not move the claim) for as long as it runs; the
/// kernel lets go when the process ends, however it ends. A second engine is refused before it
/// moves or launches anything, and told who holds the directory (the file's text).
public enum SweepDirectoryClaim {
    /// Claims held by this process: sweep directory → the open, locked file.
    private static let held = Mutex<[String: Int32]>([:])

    static func path(_ sweepDirectory: String) -> String {
        let dir = (sweepDirectory as NSString).standardizingPath
        return ((dir as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".\((dir as NSString).lastPathComponent).hypertop-engine")
    }

    /// Claims the directory for this process (again: a no-op), or says who holds it.
    public static func take(_ sweepDirectory: String, study: String, store: String) throws {
        let file = path(sweepDirectory)
        if held.withLock({ $0[file] != nil }) { return }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SessionError("cannot claim the sweep directory \(sweepDirectory) (\(file)): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw SessionError("the sweep directory \(sweepDirectory) belongs to another hypertop engine"
                               + (owner.isEmpty ? "" : " (\(owner))") + "; two engines cannot share it: stop that one, or give this study another study_name")
        }
        let text = "process \(getpid()) on \(ProcessInfo.processInfo.hostName), study \"\(study)\" recording in \(store)\n"
        ftruncate(fd, 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        held.withLock { $0[file] = fd }
    }

    /// Lets the directory go (at the engine's end; the process's end does it too).
    public static func release(_ sweepDirectory: String) {
        let file = path(sweepDirectory)
        guard let fd = held.withLock({ $0.removeValue(forKey: file) }) else { return }
        unlink(file)
        close(fd)
    }
}
