import Foundation
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// Finds the run files each running trial's job writes through a logging library (TensorBoard
/// event files, W&B run files) and says whose each one is, even when several trials write into
/// one shared `runs/` at the same time (CleanRL names its run directories by environment, seed
/// and the second they started, so two trials can share one). A file is a trial's when:
///
/// 1. it lies in the trial's own directory (a W&B run always does: each trial gets
///    `WANDB_DIR=<trial dir>`);
/// 2. a process of the trial holds it open: a process whose environment carries the trial's
///    `HYPERTOP_TRIAL_DIR` and this engine's token, as the job, its children and whatever they
///    fork away do (`/proc/<pid>/fd`); or
/// 3. its name says a process of the trial on this host created it: TensorBoard's writer (torch's
///    `SummaryWriter`, TF2) names its file `events.out.tfevents.<time>.<host>.<pid>.<n>`. This
///    finds a file written and closed between two looks, in the directories where the study's
///    run files were seen and in the job directory's `runs/`.
///
/// 2 and 3 need the jobs on this machine; a cluster's job is found by 1 only.
final class RunFileFinder {
    struct Job {
        var number: Int
        var runDir: String
        var startedAt: Date
        /// The job's own process, when it runs on this machine.
        var pid: Int32?
    }

    struct Found: Equatable {
        var trial: Int
        var path: String
    }

    /// The job's working directory: its `runs/` is looked in.
    let jobDirectory: String
    /// Whether the jobs run here, so that their processes can be looked at.
    let local: Bool
    /// Seconds between looks, but for a trial that ended (looked for at once).
    let interval: TimeInterval
    private var lastLook: Date?
    /// Every run file found, and whose it is.
    private(set) var owner: [String: Int] = [:]
    /// The processes seen in each trial (its files may be named after any of them).
    private var pidsSeen: [Int: Set<Int32>] = [:]
    /// Directories outside the trial directories where run files were seen.
    private var sharedDirectories: Set<String> = []
    private let host = RunFileFinder.hostName()

    init(jobDirectory: String, local: Bool, interval: TimeInterval = 1) {
        self.jobDirectory = jobDirectory
        self.local = local
        self.interval = interval
    }

    /// The run files found since the last call, for `jobs` (the running trials, and those whose
    /// job just ended: `force` looks at once for them).
    func find(_ jobs: [Job], now: Date, force: Bool = false) -> [Found] {
        guard !jobs.isEmpty else { return [] }
        if !force, let lastLook, now.timeIntervalSince(lastLook) < interval { return [] }
        lastLook = now
        var found: [Found] = []
        func claim(_ seen: String, for trial: Int) {
            // One name per file, whichever way it was found (a link in the trial directory's path).
            let path = Self.canonical(seen)
            guard owner[path] == nil else { return }
            owner[path] = trial
            found.append(Found(trial: trial, path: path))
        }
        for job in jobs {
            for path in Self.runFiles(under: job.runDir, depth: 6) { claim(path, for: job.number) }
        }
        guard local else { return found }
        let byDirectory = Dictionary(jobs.map { ($0.runDir, $0.number) }, uniquingKeysWith: { a, _ in a })
        for job in jobs { if let pid = job.pid { pidsSeen[job.number, default: []].insert(pid) } }
        let me = getpid()
        for pid in ProcReader.pids() where pid != me {
            guard let (runDir, engine) = OrphanJobs.trialDirectory(ofProcess: pid), let trial = byDirectory[runDir],
                  engine == nil || engine == OrphanJobs.engineToken else { continue }
            pidsSeen[trial, default: []].insert(pid)
            for path in Self.openRunFiles(of: pid) {
                claim(path, for: trial)
                let directory = (path as NSString).deletingLastPathComponent
                if !Self.isInside(directory, Self.canonical(runDir)) { sharedDirectories.insert(directory) }
            }
        }
        // Files named after a process of a trial, written and closed between two looks.
        let earliest = jobs.map(\.startedAt).min()!.addingTimeInterval(-2)
        var places = Array(sharedDirectories)
        places += Self.directories(under: (jobDirectory as NSString).appendingPathComponent("runs"), depth: 3, changedSince: earliest)
        for directory in Set(places) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("events.out.tfevents.") {
                let path = Self.canonical((directory as NSString).appendingPathComponent(name))
                guard owner[path] == nil, let (created, fileHost, pid) = Self.writer(ofEventFile: name), fileHost == host else { continue }
                // The trial that had this process and had started by then; the latest such, should a pid come back.
                let candidates = jobs.filter { pidsSeen[$0.number]?.contains(pid) == true && $0.startedAt.timeIntervalSince1970 <= created + 1 }
                if let job = candidates.max(by: { $0.startedAt < $1.startedAt }) {
                    claim(path, for: job.number)
                    sharedDirectories.insert(directory)
                }
            }
        }
        return found
    }

    /// A trial that ended: what is known of its processes is dropped.
    func forget(trial: Int) {
        pidsSeen[trial] = nil
    }

    /// The creation time, host and process in a TensorBoard event file's name
    /// (`events.out.tfevents.<time>.<host>.<pid>.<n>`, `.v2` after it for TF2); nil for a name
    /// without them (tensorboardX names no process).
    static func writer(ofEventFile name: String) -> (created: Double, host: String, pid: Int32)? {
        var rest = name.dropFirst("events.out.tfevents.".count)
        if rest.hasSuffix(".v2") { rest = rest.dropLast(3) }
        var parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 4, let time = Double(parts.first!), Int(parts.last!) != nil,
              let pid = Int32(parts[parts.count - 2]) else { return nil }
        parts.removeFirst()
        parts.removeLast(2)
        return (time, parts.joined(separator: "."), pid)
    }

    /// Run files at most `depth` directories below `root` (links are not followed).
    static func runFiles(under root: String, depth: Int) -> [String] {
        var out: [String] = []
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return out }
        for name in names.sorted() {
            let path = (root as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR {
                if depth > 0 { out += runFiles(under: path, depth: depth - 1) }
            } else if st.st_mode & S_IFMT == S_IFREG, RunFileTail.Kind(fileName: name) != nil {
                out.append(path)
            }
        }
        return out
    }

    /// `root` and the directories below it, at most `depth` down, changed since `since` (a
    /// directory changes when an entry is made in it; old runs are passed over without a look).
    static func directories(under root: String, depth: Int, changedSince since: Date) -> [String] {
        var st = stat()
        guard lstat(root, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return [] }
        var out = [root]
        guard depth > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return out }
        for name in names {
            let path = (root as NSString).appendingPathComponent(name)
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR,
                  Double(st.st_mtim.tv_sec) >= since.timeIntervalSince1970.rounded(.down) else { continue }
            out += directories(under: path, depth: depth - 1, changedSince: since)
        }
        return out
    }

    /// The run files a process holds open.
    static func openRunFiles(of pid: Int32) -> [String] {
        let fdDirectory = "/proc/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { return [] }
        var out: [String] = []
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        for fd in fds {
            let n = readlink(fdDirectory + "/" + fd, &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            let target = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard target.hasPrefix("/"), !target.hasSuffix(" (deleted)"),
                  RunFileTail.Kind(fileName: (target as NSString).lastPathComponent) != nil else { continue }
            out.append(target)
        }
        return out
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// How the dashboard names a run file: its kind, and its path from the job's directory when it
    /// lies below it (`tfevents: runs/CartPole-v1__ppo__1__1733600000/events.out.tfevents...`).
    static func label(_ path: String, jobDirectory: String) -> String {
        let kind = RunFileTail.Kind(fileName: (path as NSString).lastPathComponent)?.rawValue ?? "file"
        let base = canonical(jobDirectory)
        let shown = isInside(path, base) && path != base ? String(path.dropFirst(base.count).drop { $0 == "/" }) : path
        return kind + ": " + shown
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// This machine's name as `socket.gethostname()` gives it to TensorBoard's writer.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(cString: buffer)
    }
}
