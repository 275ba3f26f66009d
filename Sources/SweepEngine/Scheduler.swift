import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Receives every engine event before anyone else sees it (the study store).
public protocol EventSink: Sendable {
    func record(_ events: [EngineEvent]) throws
    /// Called every few seconds with the numbers of the running trials.
    func heartbeat(running: [Int], at date: Date) throws
}

extension EventSink {
    public func heartbeat(running: [Int], at date: Date) throws {}
}

/// Where and how a study runs; built by the CLI from the spec and the command line.
public struct SweepSetup: Sendable {
    public var spec: StudySpec
    /// The job's argv before the parameter overrides.
    public var jobCommand: [String]
    /// Working directory of the jobs and home of the stop and pause files (where hypertop was started).
    public var projectDirectory: String
    /// Absolute `<workdir>/<study_name>`; trial `n` runs in `<sweepDirectory>/n`.
    public var sweepDirectory: String
    /// Directory that holds `conf/`, given to the job as `$HYPERTOP_CONFIG_ROOT`.
    public var configRoot: String?
    /// Where the jobs run: the Hydra project's root for a user's app, else `projectDirectory`.
    public var jobDirectory: String
    public var seed: UInt64
    public var pollInterval: Duration
    /// The config's warnings (`warning: FILE:LINE: ...`), said in the study's log at its start.
    public var warnings: [String] = []

    public init(spec: StudySpec, jobCommand: [String], projectDirectory: String, sweepDirectory: String,
                configRoot: String?, seed: UInt64, jobDirectory: String? = nil, pollInterval: Duration = .milliseconds(100)) {
        self.spec = spec
        self.jobDirectory = jobDirectory ?? projectDirectory
        self.jobCommand = jobCommand
        self.projectDirectory = projectDirectory
        self.sweepDirectory = sweepDirectory
        self.configRoot = configRoot
        self.seed = seed
        self.pollInterval = pollInterval
    }

    public var controls: ControlFiles { ControlFiles(directory: projectDirectory) }

    /// Where hypertop's Hydra callback module lives for this study's jobs.
    public var callbackDirectory: String { (sweepDirectory as NSString).appendingPathComponent(".hypertop") }
}

/// The one owner of a running study: keeps `n_jobs` trials running, refills a slot the moment a
/// trial ends, tails metrics, scores, and reports every change as an `EngineEvent`.
public actor Scheduler {
    struct RunningTrial {
        var job: JobHandle
        var tailer: MetricTailer
        var killReason: String?
        var termSentAt: Date?
        var killSent = false
        var pruned = false
    }

    public nonisolated let events: AsyncStream<EngineEvent>
    private let continuation: AsyncStream<EngineEvent>.Continuation
    private let setup: SweepSetup
    private let launcher: any Launcher
    private let sink: (any EventSink)?
    private let scorer: Scorer
    private let pruner: MedianPruner?
    private var study: Study
    private var planner: TrialPlanner
    private var running: [Int: RunningTrial] = [:]
    private var pending: [EngineEvent] = []
    private var nextNumber: Int
    private var stopReason: String?
    private var stopByFile = false
    private var exhausted: String?
    /// Why the study was stopped for failing jobs (`max_initial_failures`, `max_failure_rate`).
    public private(set) var abortReason: String?
    private var interrupts = 0
    private var hardKillAt: Date?
    private var phase: StudyPhase = .running
    private let startedAt: Date
    private var lastHeartbeat = Date.distantPast
    static let heartbeatInterval: TimeInterval = 5

    public init(setup: SweepSetup, launcher: any Launcher = LocalLauncher(), sink: (any EventSink)? = nil,
                sampler: any Sampler, resumed: Study? = nil, lostTrials: Set<Int> = []) {
        self.setup = setup
        self.launcher = launcher
        self.sink = sink
        scorer = Scorer(spec: setup.spec)
        if case .median(let options) = setup.spec.pruner {
            pruner = MedianPruner(options: options, direction: setup.spec.direction, criterion: setup.spec.criterion)
        } else {
            pruner = nil
        }
        (events, continuation) = AsyncStream.makeStream(of: EngineEvent.self, bufferingPolicy: .unbounded)
        var planner = TrialPlanner(space: setup.spec.space, direction: setup.spec.direction,
                                   minPerSet: setup.spec.minTrialsPerParam, maxPerSet: setup.spec.maxTrialsPerParam,
                                   seed: setup.seed, sampler: sampler)
        if let resumed { planner.restore(from: resumed, lostTrials: lostTrials, retries: setup.spec.retries) }
        self.planner = planner
        study = resumed ?? Study()
        nextNumber = (study.trials.map(\.number).max() ?? -1) + 1
        startedAt = Date()
    }

    /// Runs the study to its end and returns it. Events flow to `events` (after the sink) meanwhile.
    public func run() async -> Study {
        let info = StudyInfo(spec: setup.spec, sweepDir: setup.sweepDirectory, stopFile: setup.controls.stopFile,
                             pauseFile: setup.controls.pauseFile, startedAt: startedAt)
        emit(.started(info))
        emit(.phase(.running, reason: nil))
        do {
            try FileManager.default.createDirectory(atPath: setup.sweepDirectory, withIntermediateDirectories: true)
            try setup.controls.armStop()
            try setup.controls.setPaused(false)
            if setup.spec.passing == .overrides { try HydraCallback.install(in: setup.callbackDirectory) }
        } catch {
            note("cannot prepare \(setup.sweepDirectory) or the stop file: \(error.localizedDescription)")
            stopReason = "the sweep directory could not be prepared"
        }
        for warning in setup.warnings { note(warning) }
        note("Launching jobs, sweep output dir : \(setup.sweepDirectory)")
        if !study.trials.isEmpty {
            note("Resuming study \(setup.spec.studyName) with \(study.trials.count) recorded trial(s)")
        }
        while true {
            let now = Date()
            checkControls(now)
            pollRunning(now)
            escalateKills(now)
            fillSlots(now)
            updatePhase()
            flush()
            beat(now)
            if running.isEmpty && !mayLaunchMore { break }
            try? await Task.sleep(for: setup.pollInterval)
        }
        if let exhausted { note("Search space exhausted: \(exhausted)") }
        phase = .done
        emit(.phase(.done, reason: stopReason ?? exhausted ?? "max_trials reached"))
        flush()
        setup.controls.remove()
        continuation.finish()
        return study
    }

    // MARK: controls

    /// Ctrl-C: the first stops launching, the second terminates every job, a third kills at once.
    public func interrupt() {
        interrupts += 1
        switch interrupts {
        case 1:
            requestStop("interrupted (Ctrl-C); waiting for running trials; press Ctrl-C again to kill them")
        case 2:
            requestStop("interrupted twice")
            killAll(reason: "killed by Ctrl-C")
        default:
            for (n, t) in running {
                launcher.signal(t.job, SIGKILL)
                running[n]?.killSent = true
            }
        }
        flush()
    }

    /// Stops launching; running trials finish.
    public func requestStop(_ reason: String) {
        if stopReason == nil {
            stopReason = reason
            note("Stopping: \(reason)")
        }
    }

    /// Terminates one trial's job (SIGTERM, then SIGKILL after the grace).
    public func kill(trial number: Int, reason: String = "killed by the user") {
        guard var t = running[number], t.termSentAt == nil else { return }
        t.killReason = reason
        t.termSentAt = Date()
        launcher.signal(t.job, SIGTERM)
        running[number] = t
        note("Trial #\(number): sending SIGTERM (\(reason))")
    }

    public func killAll(reason: String = "killed by the user") {
        for n in running.keys.sorted() { kill(trial: n, reason: reason) }
    }

    public func snapshot() -> Study { study }

    /// Trials that used up the budget: a trial lost with a dead engine (at this resume or an
    /// earlier one) does not.
    private var launchedCount: Int { study.budgetUsed }

    private var mayLaunchMore: Bool {
        stopReason == nil && exhausted == nil && launchedCount < setup.spec.maxTrials
    }

    private func checkControls(_ now: Date) {
        let controls = setup.controls
        if controls.stopRequested {
            if stopReason == nil {
                stopByFile = true
                requestStop("stop file \(ControlFiles.stopFileName) was deleted; running trials will finish")
            }
        } else if stopByFile {
            stopByFile = false
            stopReason = nil
            note("Stop cancelled: the stop file was re-created")
        }
        if let minutes = setup.spec.maxDurationMinutes {
            let deadline = startedAt.addingTimeInterval(minutes * 60)
            if now >= deadline && hardKillAt == nil {
                hardKillAt = deadline.addingTimeInterval((setup.spec.deadlineGraceMinutes ?? 5) * 60)
                stopByFile = false
                stopReason = nil
                requestStop("max_duration_minutes (\(ParamValue.float(minutes))) reached")
            }
            if let hardKillAt, now >= hardKillAt, running.values.contains(where: { $0.termSentAt == nil }) {
                killAll(reason: "killed: still running past the time limit and its grace")
            }
        }
    }

    private func updatePhase() {
        let next: StudyPhase = stopReason != nil ? .stopping : setup.controls.paused ? .paused : .running
        if next != phase {
            phase = next
            emit(.phase(next, reason: stopReason))
        }
    }

    // MARK: launching

    private func fillSlots(_ now: Date) {
        guard !setup.controls.paused else { return }
        while running.count < setup.spec.nJobs && mayLaunchMore {
            let number = nextNumber
            switch planner.next(trialNumber: number, study: study) {
            case .exhausted(let why):
                exhausted = why
            case .launch(let group, let params, let repeatIndex):
                nextNumber += 1
                launch(number: number, group: group, params: params, repeatIndex: repeatIndex, now: now)
            }
        }
    }

    private func launch(number: Int, group: Int, params: Params, repeatIndex: Int, now: Date) {
        let spec = setup.spec
        let runDir = (setup.sweepDirectory as NSString).appendingPathComponent(String(number))
        let seed = trialSeed(number)
        let cap = spec.epochCap.map { EpochCap.current(initial: $0, study: study, criterion: spec.criterion) }
        let argv = TrialArguments.argv(command: setup.jobCommand, spec: spec, params: params, runDir: runDir, seed: seed, epochCap: cap)
        let launchFacts = TrialLaunch(number: number, group: group, repeatIndex: repeatIndex, params: params,
                                      runDir: runDir, command: argv, startedAt: now)
        let paths = TrialFiles(runDir: runDir)
        var env = ProcessInfo.processInfo.environment
        env["HYPERTOP_PARAMS"] = JSONText.object(spec.space.parameters.compactMap { p in params[p.name].map { (p.key, $0.jsonText) } })
        env["HYPERTOP_TRIAL_DIR"] = runDir
        env["HYPERTOP_METRICS"] = paths.metrics
        env["HYPERTOP_TRIAL_NUMBER"] = String(number)
        env["HYPERTOP_TRIAL_SEED"] = String(seed)
        env["HYPERTOP_STUDY"] = spec.studyName
        if let root = setup.configRoot { env["HYPERTOP_CONFIG_ROOT"] = root }
        if spec.passing == .overrides {
            // The callback that captures the returned objective.
            env["PYTHONPATH"] = [setup.callbackDirectory, env["PYTHONPATH"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
        }
        // Hydra's whole traceback in stderr.log, ending in the exception line that becomes the reason.
        if env["HYDRA_FULL_ERROR"] == nil { env["HYDRA_FULL_ERROR"] = "1" }

        emit(.launched(launchFacts))
        // Recorded before the job exists: a resumed study then knows every job a dead engine left.
        flush()
        do {
            try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
            try paths.writeLaunchRecord(argv: argv, params: params, space: spec.space, repeatIndex: repeatIndex, group: group)
            let job = try launcher.start(JobRequest(argv: argv, environment: env, workingDirectory: setup.jobDirectory,
                                                    stdoutPath: paths.stdout, stderrPath: paths.stderr))
            paths.writeJobID(job.id)
            running[number] = RunningTrial(job: job, tailer: MetricTailer(metricsPath: paths.metrics, progressCSVPath: paths.progressCSV,
                                                                          stdoutPath: paths.stdout, stderrPath: paths.stderr))
        } catch {
            finish(TrialOutcome(number: number, state: .failed, score: nil, reason: "\(error)", exitStatus: nil, signal: nil, endedAt: Date()),
                   runDir: runDir)
        }
    }

    /// A seed for the job that differs between repeats and is fixed by the study's seed.
    func trialSeed(_ number: Int) -> UInt32 { Self.trialSeed(studySeed: setup.seed, number: number) }

    public static func trialSeed(studySeed: UInt64, number: Int) -> UInt32 {
        var g = SeededGenerator(seed: studySeed ^ (UInt64(number) &* 0xD1B5_4A32_D192_ED03))
        return UInt32(truncatingIfNeeded: g.next() >> 33)
    }

    // MARK: following running trials

    private func pollRunning(_ now: Date) {
        for number in running.keys.sorted() {
            guard var t = running[number] else { continue }
            let status = launcher.poll(t.job)
            let update = t.tailer.poll(final: status != .running)
            running[number] = t
            deliver(update, trial: number)
            if status == .running, !update.rows.isEmpty { prune(number) }
            guard status != .running else { continue }
            running[number] = nil
            finish(outcome(number: number, status: status, trial: t, now: now), runDir: study.trial(number)?.launch.runDir)
        }
    }

    private func deliver(_ update: MetricTailer.Update, trial number: Int) {
        if !update.rows.isEmpty { emit(.metrics(trial: number, rows: update.rows)) }
        if !update.stdout.isEmpty { emit(.output(trial: number, stream: .stdout, lines: Array(update.stdout.suffix(200)))) }
        if !update.stderr.isEmpty { emit(.output(trial: number, stream: .stderr, lines: Array(update.stderr.suffix(200)))) }
        if update.malformed > 0 { note("Trial #\(number): skipped \(update.malformed) malformed metric line(s)") }
    }

    private func prune(_ number: Int) {
        guard let pruner, running[number]?.termSentAt == nil, let trial = study.trial(number) else { return }
        let completed = study.trials.filter { $0.state == .complete }
        if let reason = pruner.reasonToPrune(trial, completed: completed) {
            kill(trial: number, reason: reason)
            running[number]?.pruned = true
        }
    }

    private func outcome(number: Int, status: JobStatus, trial t: RunningTrial, now: Date) -> TrialOutcome {
        if t.pruned {
            return TrialOutcome(number: number, state: .pruned, score: nil, reason: t.killReason, exitStatus: nil, signal: nil, endedAt: now)
        }
        func failed(_ reason: String, exit: Int32? = nil, signal: Int32? = nil) -> TrialOutcome {
            TrialOutcome(number: number, state: .failed, score: nil, reason: reason, exitStatus: exit, signal: signal, endedAt: now)
        }
        switch status {
        case .running:
            return failed("still running")
        case .signaled(let s):
            return failed(t.killReason ?? "killed by signal \(s) (\(signalName(s)))", signal: s)
        case .exited(let code) where code != 0:
            let hint = errorLine(number).map { ": \($0)" } ?? ""
            return failed(t.killReason ?? "exit status \(code)\(hint)", exit: code)
        case .exited(let code):
            if let reason = t.killReason { return failed(reason, exit: code) }
            let returned = study.trial(number).flatMap { TrialFiles(runDir: $0.launch.runDir).readReturned() }
            switch scorer.score(study.trial(number)?.metrics ?? [], returned: returned) {
            case .success(let score):
                return TrialOutcome(number: number, state: .complete, score: score, reason: nil, exitStatus: code, signal: nil, endedAt: now)
            case .failure(let why):
                return failed(why.description, exit: code)
            }
        }
    }

    /// The stderr line that says why the job failed (read from the end of the log).
    private func errorLine(_ number: Int) -> String? {
        guard let dir = study.trial(number)?.launch.runDir else { return nil }
        return FailureLine.pick(TrialFiles(runDir: dir).stderrTail())
    }

    private func finish(_ outcome: TrialOutcome, runDir: String?) {
        emit(.finished(outcome))
        if let runDir { TrialFiles(runDir: runDir).writeOutcome(outcome) }
        if outcome.state == .failed, abortReason == nil, let reason = FailFast.reason(study: study, spec: setup.spec) {
            abortReason = reason
            if stopByFile {
                // A stop file re-created later must not cancel this stop.
                stopByFile = false
                stopReason = nil
            }
            requestStop(reason)
        }
    }

    private func escalateKills(_ now: Date) {
        for (n, t) in running where !t.killSent {
            if let sent = t.termSentAt, now.timeIntervalSince(sent) >= setup.spec.killGraceSeconds {
                launcher.signal(t.job, SIGKILL)
                running[n]?.killSent = true
            }
        }
    }

    // MARK: events

    private func note(_ text: String) {
        emit(.message(text, at: Date()))
    }

    private func emit(_ event: EngineEvent) {
        study.apply(event)
        pending.append(event)
    }

    private func beat(_ now: Date) {
        guard let sink, !running.isEmpty, now.timeIntervalSince(lastHeartbeat) >= Self.heartbeatInterval else { return }
        lastHeartbeat = now
        do {
            try sink.heartbeat(running: running.keys.sorted(), at: now)
        } catch {
            note("could not record the running trials' heartbeat: \(error)")
        }
    }

    /// Hands the pending events to the sink first, then to the stream: what is shown is recorded.
    private func flush() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        if let sink {
            do {
                try sink.record(batch)
            } catch {
                let failure = EngineEvent.message("could not record \(batch.count) event(s) in the store: \(error)", at: Date())
                study.apply(failure)
                continuation.yield(failure)
            }
        }
        for e in batch { continuation.yield(e) }
    }
}

func signalName(_ s: Int32) -> String {
    switch s {
    case SIGKILL: return "SIGKILL"
    case SIGTERM: return "SIGTERM"
    case SIGINT: return "SIGINT"
    case SIGSEGV: return "SIGSEGV"
    case SIGABRT: return "SIGABRT"
    case SIGBUS: return "SIGBUS"
    case SIGFPE: return "SIGFPE"
    case SIGILL: return "SIGILL"
    case SIGHUP: return "SIGHUP"
    default: return "signal \(s)"
    }
}
