import CSpawn
import Foundation
import HyperOpt
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// What to start for one trial.
public struct JobRequest: Sendable {
    public var argv: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    public var stdoutPath: String
    public var stderrPath: String
    /// CPUs the job may run on (a local job's affinity mask); empty: the engine's own.
    public var cpus: [Int]

    public init(argv: [String], environment: [String: String], workingDirectory: String, stdoutPath: String, stderrPath: String,
                cpus: [Int] = []) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.cpus = cpus
    }
}

/// A started job, as its launcher knows it (a local process group; a Slurm job id later).
public struct JobHandle: Sendable, Hashable {
    public var id: Int32
    /// The trial directory the job's processes carry in `HYPERTOP_TRIAL_DIR`: how the ones that
    /// left its process group (`setsid`, a double fork) are found.
    public var trialDirectory: String?
    public init(id: Int32, trialDirectory: String? = nil) {
        self.id = id
        self.trialDirectory = trialDirectory
    }
}

/// A job a dead engine left, as its launcher may take it over.
public struct OrphanedJob: Sendable {
    public var trial: Int
    public var runDir: String
    public init(trial: Int, runDir: String) {
        self.trial = trial
        self.runDir = runDir
    }
}

public struct LaunchError: UserError {
    public let description: String
}

/// Starts, polls and signals trial jobs: local processes, or Slurm jobs. Async, so that a
/// launcher that asks a cluster (`sbatch`, `squeue`, `scancel`) awaits it without blocking a thread;
/// the scheduler stays free meanwhile for the dashboard's controls.
public protocol Launcher: Sendable {
    func start(_ request: JobRequest) async throws -> JobHandle
    /// The status of every job now (a cluster's launcher asks its queue once for all). After it
    /// reports a job's end, the job is gone.
    func poll(_ jobs: [JobHandle]) async -> [JobHandle: JobStatus]
    /// Sends `signal` to the whole job (its process group; `scancel` for a Slurm job).
    func signal(_ job: JobHandle, _ signal: Int32) async
    /// The node the job runs on, when the launcher knows it.
    func node(of job: JobHandle) async -> String?
    /// What went wrong talking to the cluster since the last call, for the study's log.
    func takeNotes() async -> [String]
    /// Of the jobs a dead engine left, those this launcher takes over (still queued or running,
    /// or ended while no engine watched: their files are scored). Local processes cannot be.
    func adopt(_ orphans: [OrphanedJob]) async -> [Int: JobHandle]
    /// Ends the jobs of a dead engine that were not adopted.
    func end(orphans: [OrphanedJob], study: Study, grace: Double, say: @Sendable (String) -> Void) async
    /// At the study's end: waits until none of its jobs is left with the cluster.
    func finish() async
    /// Whether a started job first waits in a queue (a cluster's): its trial is QUEUED from its
    /// submission until the job is seen running.
    var queuesJobs: Bool { get }
    /// What an ended job used, as the system reported it when the job was reaped (taken once);
    /// nil where the launcher does not know (a cluster's job).
    func rusage(of job: JobHandle) async -> JobRusage?
}

extension Launcher {
    public func node(of job: JobHandle) async -> String? { nil }
    public func takeNotes() async -> [String] { [] }
    public func adopt(_ orphans: [OrphanedJob]) async -> [Int: JobHandle] { [:] }
    public func end(orphans: [OrphanedJob], study: Study, grace: Double, say: @Sendable (String) -> Void) async {
        await OrphanJobs.end(orphans.map(\.trial), study: study, grace: grace, say: say)
    }
    public func finish() async {}
    public var queuesJobs: Bool { false }
    public func rusage(of job: JobHandle) async -> JobRusage? { nil }
}

/// Runs each job as a local process in its own process group, without a shell.
public struct LocalLauncher: Launcher {
    /// What reaped jobs used, until the scheduler takes it.
    private let reaped = ReapedUsage()

    public init() {}

    public func start(_ request: JobRequest) async throws -> JobHandle {
        guard let program = request.argv.first else { throw LaunchError(description: "the job's command is empty") }
        let out = open(request.stdoutPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw LaunchError(description: "cannot create \(request.stdoutPath): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        let err = open(request.stderrPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard err >= 0 else { throw LaunchError(description: "cannot create \(request.stderrPath): \(String(cString: strerror(errno)))") }
        defer { close(err) }

        let env = request.environment.map { "\($0.key)=\($0.value)" }.sorted()
        var pid: pid_t = 0
        let cpus = request.cpus.map(Int32.init)
        let rc = withCStrings(request.argv) { argv in
            withCStrings(env) { envp in
                cpus.withUnsafeBufferPointer { set in
                    hypertop_spawn(program, argv, envp, request.workingDirectory, out, err, set.baseAddress, Int32(set.count), &pid)
                }
            }
        }
        guard rc == 0 else {
            let on = request.cpus.isEmpty ? "" : " on CPUs \(ResourcePool.rangeText(request.cpus))"
            throw LaunchError(description: "cannot start `\(program)`\(on): \(String(cString: strerror(rc)))")
        }
        // Its process group, where a resumed engine finds a job a dead one left (see OrphanJobs).
        if let runDir = request.environment[TrialEnvironment.trialDirectory] { TrialFiles(runDir: runDir).writeJobID(pid) }
        return JobHandle(id: pid, trialDirectory: request.environment[TrialEnvironment.trialDirectory])
    }

    public func poll(_ jobs: [JobHandle]) async -> [JobHandle: JobStatus] {
        var out: [JobHandle: JobStatus] = [:]
        for job in jobs { out[job] = poll(job) }
        return out
    }

    /// Reaps the job's leader if it ended (never waits), keeping what it used.
    func poll(_ job: JobHandle) -> JobStatus {
        var status: Int32 = 0
        var usage = Glibc.rusage()
        let r = wait4(job.id, &status, WNOHANG, &usage)
        if r == 0 { return .running }
        if r < 0 { return .exited(-1) }  // already reaped or not our child: treat as gone
        reaped.keep(job.id, JobRusage(usage))
        // The leader is gone; anything it left behind goes too, in its group or not.
        kill(-job.id, SIGKILL)
        Self.signalStrays(job, SIGKILL)
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(low)
    }

    public func rusage(of job: JobHandle) async -> JobRusage? {
        reaped.take(job.id)
    }

    public func signal(_ job: JobHandle, _ signal: Int32) async {
        kill(-job.id, signal)
        Self.signalStrays(job, signal)
    }

    /// Signals the job's processes outside its process group: those whose environment names its
    /// trial directory (each with the group it leads, which holds its children).
    static func signalStrays(_ job: JobHandle, _ signal: Int32) {
        guard let dir = job.trialDirectory else { return }
        for pid in OrphanJobs.processes(ofTrialDirectories: [dir], ownOnly: true) {
            let group = getpgid(pid)
            guard group != job.id else { continue }
            kill(pid, signal)
            if group == pid { kill(-pid, signal) }
        }
    }
}

/// What reaped local jobs used, by process id, until taken: the launcher is a value shared by
/// the scheduler's calls, so this part of it is a locked box.
final class ReapedUsage: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [Int32: JobRusage] = [:]

    func keep(_ pid: Int32, _ usage: JobRusage) { lock.withLock { kept[pid] = usage } }
    func take(_ pid: Int32) -> JobRusage? { lock.withLock { kept.removeValue(forKey: pid) } }
}

extension JobRusage {
    /// `wait4`'s user and system time.
    init(_ usage: rusage) {
        let time = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        self.init(cpuSeconds: time(usage.ru_utime) + time(usage.ru_stime))
    }
}

/// Calls `body` with a NULL-terminated C array of the strings, valid only during the call.
public func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
