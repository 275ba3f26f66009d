import Foundation
import HyperOpt
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// Runs each trial as one `sbatch` job. Its start and end are read from marker files the batch
/// script writes in the trial directory (the shared file system, free to look at); slurmctld is
/// asked once per `pollSeconds` for all of the study's jobs (`squeue`), and `sacct` only about jobs
/// that left the queue. A job that times out is submitted again up to `max_num_timeout` times.
///
/// An actor on the engine's clock: its calls to Slurm are awaited, never blocking a thread, and the
/// queue is asked in the background, so a slow slurmctld delays only what Slurm itself says
/// (queue reasons, the cluster's end states), never the tailing of running trials or a kill.
public actor SlurmLauncher: Launcher {
    struct Entry {
        var slurmID: Int32
        var runDir: String
        var jobName: String
        var status: JobStatus = .queued(reason: nil)
        var node: String?
        var timeouts = 0
        /// The job's exit code from its marker file; a failure waits for Slurm's word on why.
        var exitMarker: Int32?
        /// Slurm's state once the job left the running states.
        var slurmEnd: String?
        var ended = false
    }

    public let options: SlurmOptions
    public let jobDirectory: String
    public let studyName: String
    let tools: SlurmTools
    let clock: any EngineClock
    var jobs: [Int32: Entry] = [:]
    var lastQuery = Date.distantPast
    var queryNow = false
    /// The query of the queue under way, if any: one at a time.
    var query: Task<Void, Never>?
    var notes: [String] = []
    var lastError: String?
    /// Every Slurm job id this launcher submitted or adopted: none may be left at the end.
    var everSubmitted: Set<Int32> = []
    /// How often slurmctld was asked, by command (for the benchmark and the log).
    public private(set) var calls = SlurmCalls()

    public init(options: SlurmOptions, studyName: String, jobDirectory: String, tools: SlurmTools = SlurmTools(),
                clock: any EngineClock = SystemClock()) {
        self.options = options
        self.studyName = studyName
        self.jobDirectory = jobDirectory
        self.tools = tools
        self.clock = clock
    }

    public nonisolated var queuesJobs: Bool { true }

    // MARK: Starting

    public func start(_ request: JobRequest) async throws -> JobHandle {
        guard !request.argv.isEmpty else { throw LaunchError(description: "the job's command is empty") }
        let runDir = request.environment[TrialEnvironment.trialDirectory] ?? (request.stdoutPath as NSString).deletingLastPathComponent
        let number = request.environment[TrialEnvironment.trialNumber] ?? "?"
        let jobName = self.jobName(trial: number)
        // The trial's own variables go into the script (they survive a requeue and `--export=NONE`).
        let inherited = ProcessInfo.processInfo.environment
        let own = request.environment.filter { inherited[$0.key] != $0.value }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let script = SlurmText.batchScript(argv: request.argv, environment: own, setup: options.setup, runDir: runDir,
                                           workingDirectory: request.workingDirectory,
                                           title: "hypertop: trial \(number) of study \(studyName)")
        let scriptPath = (runDir as NSString).appendingPathComponent(SlurmText.scriptFile)
        do {
            try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            chmod(scriptPath, 0o755)
        } catch {
            throw LaunchError(description: "cannot write the batch script \(scriptPath): \(FileErrorText.describe(error))")
        }
        let id = try await submit(runDir: runDir, jobName: jobName, stdout: request.stdoutPath, stderr: request.stderrPath,
                                  workingDirectory: request.workingDirectory, environment: request.environment)
        jobs[id] = Entry(slurmID: id, runDir: runDir, jobName: jobName)
        everSubmitted.insert(id)
        return JobHandle(id: id, trialDirectory: runDir)
    }

    /// `<name>-<study>-<trial>`: how the study's jobs are told apart in `squeue`.
    nonisolated func jobName(trial: String) -> String { "\(options.name ?? "hypertop")-\(studyName)-\(trial)" }

    /// The sbatch argv of a trial, options from the config after hypertop's own.
    nonisolated func sbatchArguments(runDir: String, jobName: String, stdout: String, stderr: String, workingDirectory: String) -> [String] {
        ["--parsable", "--job-name=\(jobName)", "--output=\(stdout)", "--error=\(stderr)", "--open-mode=append",
         "--chdir=\(workingDirectory)", "--export=ALL"] + options.sbatchOptions
            + [(runDir as NSString).appendingPathComponent(SlurmText.scriptFile)]
    }

    private func submit(runDir: String, jobName: String, stdout: String, stderr: String, workingDirectory: String,
                        environment: [String: String]?) async throws -> Int32 {
        let args = sbatchArguments(runDir: runDir, jobName: jobName, stdout: stdout, stderr: stderr, workingDirectory: workingDirectory)
        try? (ProcessText.commandLine(["sbatch"] + args) + "\n").write(toFile: (runDir as NSString).appendingPathComponent("sbatch.txt"),
                                                                       atomically: true, encoding: .utf8)
        for marker in [SlurmText.startedFile, SlurmText.exitFile] {
            try? FileManager.default.removeItem(atPath: (runDir as NSString).appendingPathComponent(marker))
        }
        calls.sbatch += 1
        let result = await tools.run("sbatch", args, environment: environment)
        guard result.status == 0, let id = SlurmText.jobID(fromSbatch: result.stdout) else {
            throw LaunchError(description: "sbatch refused the job: \(result.complaint)")
        }
        try? "\(id)\n".write(toFile: (runDir as NSString).appendingPathComponent(SlurmText.jobIDFile), atomically: true, encoding: .utf8)
        return id
    }

    // MARK: Polling

    public func poll(_ handles: [JobHandle]) async -> [JobHandle: JobStatus] {
        let now = clock.now()
        // The marker files first: they tell a start and a clean end at once.
        for job in handles {
            guard var e = jobs[job.id], !e.ended else { continue }
            if case .queued = e.status, let started = Self.readMarker(e.runDir, SlurmText.startedFile) {
                e.status = .running
                e.node = started.split(separator: " ").first.map(String.init) ?? e.node
            }
            if e.exitMarker == nil, let text = Self.readMarker(e.runDir, SlurmText.exitFile), let code = Int32(text) {
                e.exitMarker = code
                // A failure waits for Slurm's state: OUT_OF_MEMORY says more than exit status 137.
                if code != 0 { queryNow = true }
            }
            jobs[job.id] = e
        }
        let due = (queryNow || now.timeIntervalSince(lastQuery) >= options.pollSeconds) && handles.contains { jobs[$0.id]?.ended == false }
        if due, query == nil {
            lastQuery = now
            queryNow = false
            let ids = handles.map(\.id)
            query = Task {
                await self.askQueue(ids)
                self.query = nil
            }
        }
        var out: [JobHandle: JobStatus] = [:]
        var resubmit: [Int32] = []
        for job in handles {
            guard var e = jobs[job.id] else { out[job] = .exited(-1); continue }
            if !e.ended {
                if let code = e.exitMarker, code == 0 || e.slurmEnd != nil {
                    e.status = Self.status(marker: code, slurmEnd: e.slurmEnd, options: options)
                    e.ended = true
                } else if let end = e.slurmEnd {
                    if end == "TIMEOUT", e.timeouts < options.maxNumTimeout {
                        resubmit.append(job.id)
                    } else {
                        e.status = .ended(SlurmText.end(end, exit: nil, options: options))
                        e.ended = true
                    }
                }
            }
            jobs[job.id] = e
            out[job] = e.status
        }
        for id in resubmit { await requeueAfterTimeout(id) }
        for job in handles where resubmit.contains(job.id) { out[job] = jobs[job.id]?.status }
        return out
    }

    /// The end a trial gets: its own exit status, unless Slurm says the cluster ended it.
    static func status(marker: Int32, slurmEnd: String?, options: SlurmOptions? = nil) -> JobStatus {
        if let end = slurmEnd, end != "COMPLETED", end != "FAILED" { return .ended(SlurmText.end(end, exit: marker, options: options)) }
        return marker > 128 && marker < 160 ? .signaled(marker - 128) : .exited(marker)
    }

    /// One `squeue` for all live jobs; `sacct` for those it no longer lists. What they say is
    /// applied only to a job that is still the one asked about (not ended or resubmitted meanwhile).
    private func askQueue(_ ids: [Int32]) async {
        let live: [(handle: Int32, slurm: Int32)] = ids.compactMap { id in jobs[id].flatMap { $0.ended ? nil : (id, $0.slurmID) } }
        guard !live.isEmpty else { return }
        let list = live.map { String($0.slurm) }.joined(separator: ",")
        calls.squeue += 1
        let q = await tools.run("squeue", ["-h", "-t", "all", "-j", list, "-o", SlurmText.squeueFormat])
        // squeue exits 1 when none of the ids is known any more ("Invalid job id specified").
        let unknownAll = q.status != 0 && q.stderr.contains("Invalid job id")
        if q.status != 0 && !unknownAll {
            complain("squeue failed (\(ToolCommand.Result.firstLine(q.stderr) ?? "exit status \(q.status)")); the jobs' states are read again in \(Int(options.pollSeconds)) s")
            return
        }
        let queue = unknownAll ? [:] : SlurmText.queue(q.stdout)
        var gone: [Int32] = []
        lastError = nil
        for (handle, slurm) in live {
            guard var e = jobs[handle], !e.ended, e.slurmID == slurm else { continue }
            if let entry = queue[slurm] {
                if SlurmText.waitingStates.contains(entry.state) {
                    e.status = .queued(reason: entry.reason)
                } else if SlurmText.liveStates.contains(entry.state) {
                    e.status = .running
                    e.node = entry.node ?? e.node
                } else {
                    e.slurmEnd = entry.state
                }
            } else {
                gone.append(slurm)
            }
            jobs[handle] = e
        }
        guard !gone.isEmpty else { return }
        let accounts = await account(gone)
        for (handle, slurm) in live where gone.contains(slurm) {
            guard var e = jobs[handle], !e.ended, e.slurmID == slurm else { continue }
            if let a = accounts[slurm] {
                if !SlurmText.liveStates.contains(a.state) {
                    e.slurmEnd = a.state
                    if e.exitMarker == nil, a.state == "COMPLETED" || a.state == "FAILED" { e.exitMarker = a.exitCode ?? 0 }
                }
            } else if e.exitMarker == nil {
                // Neither squeue nor sacct knows it, and it wrote no end: it is gone without a word.
                e.slurmEnd = "UNKNOWN"
            } else {
                e.slurmEnd = "COMPLETED"
            }
            jobs[handle] = e
        }
    }

    /// `sacct` (the accounting database), else `sacct -c` (the job completion file).
    private func account(_ ids: [Int32]) async -> [Int32: SlurmText.AccountEntry] {
        let list = ids.map(String.init).joined(separator: ",")
        calls.sacct += 1
        let a = await tools.run("sacct", ["-n", "-P", "-X", "-j", list, "-o", "JobIDRaw,State,ExitCode"])
        if a.status == 0, !a.stdout.isEmpty { return SlurmText.accounting(a.stdout) }
        calls.sacct += 1
        let c = await tools.run("sacct", ["-c", "-n", "-P", "-j", list, "-o", "JobID,State,ExitCode"])
        if c.status == 0 { return SlurmText.accounting(c.stdout) }
        return [:]
    }

    private func requeueAfterTimeout(_ handle: Int32) async {
        guard let e = jobs[handle] else { return }
        let files = TrialFiles(runDir: e.runDir)
        do {
            let id = try await submit(runDir: e.runDir, jobName: e.jobName, stdout: files.stdout, stderr: files.stderr,
                                      workingDirectory: jobDirectory, environment: nil)
            jobs[handle]?.slurmID = id
            jobs[handle]?.timeouts += 1
            jobs[handle]?.slurmEnd = nil
            jobs[handle]?.exitMarker = nil
            jobs[handle]?.status = .queued(reason: "requeued after TIMEOUT")
            everSubmitted.insert(id)
            notes.append("Trial in \(e.runDir): its job \(e.slurmID) hit its time limit; submitted again as job \(id) (timeout \(e.timeouts + 1) of max_num_timeout \(options.maxNumTimeout))")
        } catch {
            jobs[handle]?.status = .ended(SlurmText.end("TIMEOUT", exit: nil, options: options))
            jobs[handle]?.ended = true
            notes.append("Trial in \(e.runDir): its job hit its time limit and could not be submitted again: \(error)")
        }
    }

    private func complain(_ text: String) {
        if lastError != text { notes.append(text) }
        lastError = text
    }

    static func readMarker(_ runDir: String, _ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: (runDir as NSString).appendingPathComponent(name)), data.count < 4096 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    public func node(of job: JobHandle) async -> String? { jobs[job.id]?.node }

    public func takeNotes() async -> [String] {
        defer { notes.removeAll() }
        return notes
    }

    // MARK: Signals

    /// SIGTERM: `scancel` (Slurm sends SIGTERM to every process of the job, then SIGKILL after its
    /// KillWait); SIGKILL (hypertop's grace is over): `scancel --signal=KILL --full`, then
    /// `scancel`. Other signals go to the job's processes as they are.
    public func signal(_ job: JobHandle, _ signal: Int32) async {
        guard let e = jobs[job.id], !e.ended else { return }
        let id = String(e.slurmID)
        calls.scancel += 1
        switch signal {
        case SIGTERM:
            _ = await tools.run("scancel", [id])
        case SIGKILL:
            _ = await tools.run("scancel", ["--signal=KILL", "--full", id])
            calls.scancel += 1
            _ = await tools.run("scancel", [id])
        default:
            let name = ProcessText.signalName(signal).map { $0.hasPrefix("SIG") ? String($0.dropFirst(3)) : $0 } ?? String(signal)
            _ = await tools.run("scancel", ["--signal=\(name)", "--full", id])
        }
        queryNow = true
    }

    // MARK: A dead engine's jobs

    public func adopt(_ orphans: [OrphanedJob]) async -> [Int: JobHandle] {
        var known: [(OrphanedJob, Int32)] = []
        for o in orphans {
            if let text = Self.readMarker(o.runDir, SlurmText.jobIDFile), let id = Int32(text) { known.append((o, id)) }
        }
        guard !known.isEmpty else { return [:] }
        let list = known.map { String($0.1) }.joined(separator: ",")
        calls.squeue += 1
        let q = await tools.run("squeue", ["-h", "-t", "all", "-j", list, "-o", SlurmText.squeueFormat])
        let queue = q.status == 0 ? SlurmText.queue(q.stdout) : [:]
        let missing = known.map(\.1).filter { queue[$0] == nil }
        let accounts = missing.isEmpty ? [:] : await account(missing)
        var adopted: [Int: JobHandle] = [:]
        for (o, id) in known {
            let ended = Self.readMarker(o.runDir, SlurmText.exitFile) != nil
            guard queue[id] != nil || accounts[id] != nil || ended else { continue }
            var e = Entry(slurmID: id, runDir: o.runDir, jobName: jobName(trial: String(o.trial)))
            if let q = queue[id], SlurmText.waitingStates.contains(q.state) { e.status = .queued(reason: q.reason) }
            else if Self.readMarker(o.runDir, SlurmText.startedFile) != nil { e.status = .running }
            jobs[id] = e
            everSubmitted.insert(id)
            adopted[o.trial] = JobHandle(id: id, trialDirectory: o.runDir)
        }
        lastQuery = .distantPast
        return adopted
    }

    public func end(orphans: [OrphanedJob], study: Study, grace: Double, say: @Sendable (String) -> Void) async {
        for o in orphans {
            guard let text = Self.readMarker(o.runDir, SlurmText.jobIDFile), let id = Int32(text) else { continue }
            _ = await tools.run("scancel", [String(id)])
            say("Cancelled Slurm job \(id) of trial #\(o.trial), which the earlier engine left")
        }
    }

    /// Cancels what is left of the study's jobs (one that ended may linger in COMPLETING) and
    /// waits, up to a minute, until `squeue` lists none of them.
    public func finish() async {
        await query?.value
        let ids = everSubmitted.sorted()
        guard !ids.isEmpty else { return }
        let list = ids.map(String.init).joined(separator: ",")
        let deadline = clock.now().addingTimeInterval(60)
        var cancelled = false
        while clock.now() < deadline {
            calls.squeue += 1
            let q = await tools.run("squeue", ["-h", "-j", list, "-o", "%i"])
            let left = q.status == 0 ? q.stdout.split(whereSeparator: \.isNewline).compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) } : []
            if left.isEmpty { return }
            if !cancelled {
                calls.scancel += 1
                _ = await tools.run("scancel", left.map(String.init))
                cancelled = true
            }
            await clock.sleep(for: .milliseconds(500))
        }
    }
}

/// Calls made to Slurm's commands.
public struct SlurmCalls: Sendable, Equatable {
    public var sbatch = 0
    public var squeue = 0
    public var sacct = 0
    public var scancel = 0
    /// Calls that ask slurmctld about the queue (`squeue`, `sacct`), the ones a poll costs.
    public var queries: Int { squeue + sacct }
}

/// Runs Slurm's commands (`sbatch`, `squeue`, `sacct`, `scancel`, `sinfo`) and captures what they print.
public struct SlurmTools: Sendable {
    public typealias Result = ToolCommand.Result

    /// Where the commands are; nil: found on PATH.
    public var directory: String?

    public init(directory: String? = nil) { self.directory = directory }

    public func run(_ tool: String, _ args: [String], environment: [String: String]? = nil) async -> Result {
        await ToolCommand.run(directory.map { ($0 as NSString).appendingPathComponent(tool) } ?? tool, args, environment: environment)
    }

    /// Why Slurm cannot take jobs from here, or nil when its controller answers (`squeue` for the user's jobs).
    public func unreachable() async -> String? {
        let probe = await run("squeue", ["-h", "-u", NSUserName(), "-o", "%i"])
        guard probe.status != 0 else { return nil }
        return probe.status == ToolCommand.notFound ? "`squeue` is not on PATH (run hypertop on a node of the cluster, e.g. its login node)"
            : "`squeue` failed: \(probe.complaint)"
    }
}
