import Foundation
import Synchronization
import HyperOpt
@testable import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// Time that moves only when the engine sleeps (by exactly what it sleeps), so a test of hours
/// of scheduling runs in milliseconds and always the same way.
final class ManualClock: EngineClock {
    private let time: Mutex<Date>
    private let due = Mutex<[@Sendable () async -> Void]>([])

    init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { time = Mutex(start) }

    func now() -> Date { time.withLock { $0 } }

    /// Runs `action` in the engine's next sleep, before its next tick: a test's call into the
    /// scheduler (a kill, Ctrl-C) lands at a known time, not whenever a task gets to run.
    func onNextSleep(_ action: @escaping @Sendable () async -> Void) {
        due.withLock { $0.append(action) }
    }

    /// Time passing while the engine works (a slow call), not while it sleeps.
    func advance(by seconds: TimeInterval) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func sleep(for duration: Duration) async {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
        let actions = due.withLock { d in
            defer { d.removeAll() }
            return d
        }
        for action in actions { await action() }
    }
}

/// What a fake job does, in seconds of the clock after its start.
struct FakeJob: Sendable {
    var duration: TimeInterval
    var exitStatus: Int32 = 0
    /// JSON lines written to `$HYPERTOP_METRICS` once their time has come.
    var metrics: [(at: TimeInterval, line: String)] = []
    /// Written to stderr.log when the job ends.
    var stderr = ""
    /// A job that ignores SIGTERM ends only by SIGKILL.
    var ignoresTerm = false
    /// Run once their time has come (e.g. a user deleting the stop file).
    var actions: [(at: TimeInterval, run: @Sendable () -> Void)] = []
    /// The job cannot be started at all (a full disk, a missing program): `start` throws this.
    var startError: String?
    /// Seconds it waits in a cluster's queue before it runs (its `duration` and metrics count from then).
    var queuedFor: TimeInterval = 0
    var queueReason = "Priority"
    /// The cluster ends it at its `duration` with this Slurm state instead of its exit status.
    var clusterEnd: String?

    /// A job reporting `value` as eval/success_rate every `every` seconds, `count` times, then ending.
    static func reporting(_ value: Double, count: Int, every: TimeInterval = 1) -> FakeJob {
        FakeJob(duration: Double(count) * every + 0.01,
                metrics: (1...count).map { (Double($0) * every, "{\"step\": \($0), \"eval/success_rate\": \(value)}") })
    }
}

/// A `Launcher` that starts no process: each trial's job follows its `FakeJob` on the clock,
/// writing its metrics and logs where the real job would, and records the signals it gets.
final class FakeLauncher: Launcher {
    struct Job {
        var trial: Int
        var request: JobRequest
        var startedAt: Date
        var script: FakeJob
        var written = 0
        var done = 0
        var ended: JobStatus?
        var signals: [(Int32, Date)] = []
    }

    let clock: ManualClock
    private let script: @Sendable (Int, [String: String]) -> FakeJob
    private let jobs = Mutex<[Int32: Job]>([:])

    /// The cluster's options, which its explanation of an end names (as SlurmLauncher's does).
    let slurmOptions: SlurmOptions?

    init(clock: ManualClock, slurmOptions: SlurmOptions? = nil, script: @escaping @Sendable (Int) -> FakeJob) {
        self.clock = clock
        queues = false
        self.slurmOptions = slurmOptions
        self.script = { n, _ in script(n) }
    }

    /// As a cluster's launcher: its jobs are QUEUED from their submission.
    let queues: Bool
    var queuesJobs: Bool { queues }

    init(clock: ManualClock, queues: Bool, script: @escaping @Sendable (Int) -> FakeJob) {
        self.clock = clock
        self.queues = queues
        slurmOptions = nil
        self.script = { n, _ in script(n) }
    }

    /// A job that depends on the trial's environment (its parameters in `HYPERTOP_PARAMS`).
    init(clock: ManualClock, scriptFromEnvironment: @escaping @Sendable (Int, [String: String]) -> FakeJob) {
        self.clock = clock
        queues = false
        slurmOptions = nil
        self.script = scriptFromEnvironment
    }

    func start(_ request: JobRequest) async throws -> JobHandle {
        let trial = Int(request.environment["HYPERTOP_TRIAL_NUMBER"] ?? "") ?? -1
        let job = script(trial, request.environment)
        if let error = job.startError { throw LaunchError(description: error) }
        _ = FileManager.default.createFile(atPath: request.stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: request.stderrPath, contents: nil)
        return jobs.withLock { jobs in
            let id = Int32(1000 + jobs.count)
            jobs[id] = Job(trial: trial, request: request, startedAt: clock.now(), script: job)
            return JobHandle(id: id)
        }
    }

    /// The next poll takes this long on the clock (a cluster's slow queue), before it looks.
    func slowNextPoll(by seconds: TimeInterval) { pollDelay.withLock { $0 = seconds } }
    private let pollDelay = Mutex<TimeInterval>(0)

    func poll(_ handles: [JobHandle]) async -> [JobHandle: JobStatus] {
        let delay = pollDelay.withLock { d in
            defer { d = 0 }
            return d
        }
        if delay > 0 { clock.advance(by: delay) }
        var out: [JobHandle: JobStatus] = [:]
        for handle in handles { out[handle] = poll(handle) }
        return out
    }

    func poll(_ handle: JobHandle) -> JobStatus {
        let now = clock.now()
        var due: [@Sendable () -> Void] = []
        let status: JobStatus = jobs.withLock { jobs in
            guard var job = jobs[handle.id] else { return .exited(-1) }
            defer { jobs[handle.id] = job }
            let elapsed = now.timeIntervalSince(job.startedAt) - job.script.queuedFor
            if job.ended == nil, elapsed < 0 { return .queued(reason: job.script.queueReason) }
            while job.done < job.script.actions.count, job.script.actions[job.done].at <= elapsed {
                due.append(job.script.actions[job.done].run)
                job.done += 1
            }
            if let ended = job.ended { return ended }
            let finished = elapsed >= job.script.duration
            var lines: [String] = []
            while job.written < job.script.metrics.count, finished || job.script.metrics[job.written].at <= elapsed {
                lines.append(job.script.metrics[job.written].line)
                job.written += 1
            }
            if !lines.isEmpty, let path = job.request.environment["HYPERTOP_METRICS"] { Self.append(path, lines.map { $0 + "\n" }.joined()) }
            guard finished else { return .running }
            Self.append(job.request.stderrPath, job.script.stderr)
            job.ended = job.script.clusterEnd.map { .ended(SlurmText.end($0, exit: nil, options: slurmOptions)) } ?? .exited(job.script.exitStatus)
            return job.ended!
        }
        for action in due { action() }
        return status
    }

    func signal(_ handle: JobHandle, _ signal: Int32) async {
        let now = clock.now()
        jobs.withLock { jobs in
            guard var job = jobs[handle.id], job.ended == nil else { return }
            job.signals.append((signal, now))
            if signal == SIGKILL || (signal == SIGTERM && !job.script.ignoresTerm) { job.ended = .signaled(signal) }
            jobs[handle.id] = job
        }
    }

    /// The signals each trial's job got, with the clock's time of each.
    func signals(trial: Int) -> [(Int32, Date)] {
        jobs.withLock { jobs in jobs.values.first { $0.trial == trial }?.signals ?? [] }
    }

    var startedTrials: [Int] { jobs.withLock { $0.values.map(\.trial).sorted() } }

    private static func append(_ path: String, _ text: String) {
        guard !text.isEmpty, let handle = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { return }
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try? handle.close()
    }
}

/// Counts what the scheduler hands to its store.
final class RecordingSink: EventSink {
    private let beats = Mutex<[(running: [Int], at: Date)]>([])
    private let said = Mutex<[String]>([])
    func record(_ events: [EngineEvent]) throws {
        for case .message(let text, _) in events { said.withLock { $0.append(text) } }
    }
    /// The engine's messages, as the store would record them.
    var messages: [String] { said.withLock { $0 } }
    func heartbeat(running: [Int], at date: Date) throws { beats.withLock { $0.append((running, date)) } }
    var heartbeats: [(running: [Int], at: Date)] { beats.withLock { $0 } }
}
