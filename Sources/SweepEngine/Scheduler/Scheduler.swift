import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

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
        var output = OutputThrottle()
        /// The queue state last said: nil while it runs (or never queued), `.some(reason)` while queued.
        var queue: String?? = nil
        /// Evaluations of the criterion the pruner has looked at.
        var judged = 0
    }

    public nonisolated let events: AsyncStream<EngineEvent>
    let continuation: AsyncStream<EngineEvent>.Continuation
    let setup: SweepSetup
    let launcher: any Launcher
    /// The store, made durable; nil when nothing records the study.
    var durable: DurableSink?
    let scorer: Scorer
    var pruner: (any TrialPruner)?
    /// COMPLETE trials' criterion curves, kept as trials complete: what the pruner compares against.
    var completedCurves: [(number: Int, values: [Double])] = []
    var study: Study
    var planner: TrialPlanner
    var running: [Int: RunningTrial] = [:]
    var pending: [EngineEvent] = []
    var nextNumber: Int
    /// Why launching stops (see `StopPolicy`).
    var stops = StopPolicy()
    /// Runs the user asked for from the dashboard (retry, repeats, enqueue): beyond max_trials.
    var askedRuns = 0
    /// Why the study was stopped for failing jobs (`max_initial_failures`, `max_failure_rate`).
    public var abortReason: String? { stops.aborted }
    /// The exit status a signal's stop calls for (130 after Ctrl-C, 143 after SIGTERM, 129 after
    /// SIGHUP), or nil when no signal stopped the study.
    public var signalExitStatus: Int32? { stops.lastSignal.map { 128 + $0 } }
    var phase: StudyPhase = .running
    let startedAt: Date
    let clock: any EngineClock
    var lastHeartbeat = Date.distantPast
    /// The CPUs and GPUs the running trials hold (see `ResourcePool`).
    var resources: ResourcePool
    /// Signals decided on but not sent yet (see `deliverSignals`).
    var signalsDue: [(JobHandle, Int32)] = []
    /// Why every job is being terminated (a second Ctrl-C, SIGTERM): a job started meanwhile is ended too.
    var terminatedBecause: String?
    /// Whether a free slot waits for a GPU now (said once when it starts waiting).
    var waitingForGPU = false
    /// Finds the TensorBoard and W&B run files the trials' jobs write.
    let runFiles: RunFileFinder
    /// Measures what the running trials use (nil: not measured), and when it last did.
    var usage: UsageSampler?
    var lastUsageAt = Date.distantPast
    /// Trials said to be idle, until they work again.
    var idleSaid: Set<Int> = []
    static let heartbeatInterval: TimeInterval = 5

    public init(setup: SweepSetup, launcher: any Launcher = LocalLauncher(), sink: (any EventSink)? = nil,
                sampler: any Sampler, resumed: Study? = nil, lostTrials: Set<Int> = [], adopted: [Int: JobHandle] = [:],
                clock: any EngineClock = SystemClock(), startedAt: Date? = nil) {
        self.setup = setup
        self.clock = clock
        self.launcher = launcher
        durable = sink.map { DurableSink($0) }
        scorer = Scorer(spec: setup.spec)
        runFiles = RunFileFinder(jobDirectory: setup.jobDirectory, local: !launcher.queuesJobs)
        if setup.usageInterval != nil { usage = UsageSampler(idleAfter: setup.spec.idleAfterSeconds ?? StudySpec.defaultIdleAfterSeconds) }
        resources = setup.resources
        pruner = PrunerFactory.make(setup.spec.pruner)
        (events, continuation) = AsyncStream.makeStream(of: EngineEvent.self, bufferingPolicy: .unbounded)
        var planner = TrialPlanner(space: setup.spec.space, direction: setup.spec.direction,
                                   minPerParamSet: setup.spec.minTrialsPerParam, maxPerParamSet: setup.spec.maxTrialsPerParam,
                                   seed: setup.seed, sampler: sampler)
        if let resumed { planner.restore(from: resumed, lostTrials: lostTrials, retries: setup.spec.retries) }
        planner.adaptive = setup.spec.repeats == .adaptive
        self.planner = planner
        study = resumed ?? Study()
        nextNumber = (study.trials.map(\.number).max() ?? -1) + 1
        self.startedAt = startedAt ?? clock.now()
        if pruner != nil, let resumed {
            // What the pruner knew of the earlier trials (the rungs they reached), from their curves.
            let spec = setup.spec
            let done = resumed.trials.filter { $0.state == .complete }.map { (number: $0.number, values: $0.metrics.values(spec.criterion)) }
            completedCurves = done
            let curves = resumed.trials.map { (number: $0.number, values: $0.metrics.values(spec.criterion)) }
            pruner!.restore(curves, PruneContext(completed: done, direction: spec.direction, studyName: spec.studyName, criterion: spec.criterion))
        }
        // Jobs a dead engine left that the launcher took over go on as this engine's trials.
        for (number, job) in adopted {
            guard let trial = study.trial(number), !trial.state.isFinished else { continue }
            let paths = TrialFiles(runDir: trial.launch.runDir)
            var tailer = MetricTailer(files: paths)
            tailer.skipRows = trial.metrics.rowCount
            running[number] = RunningTrial(job: job, tailer: tailer, queue: trial.state == .waiting ? .some(trial.queueReason) : nil,
                                           judged: trial.metrics.values(setup.spec.criterion).count)
        }
    }

    /// Runs the study to its end and returns it. Events flow to `events` (after the sink) meanwhile.
    public func run() async -> Study {
        let recordedSpace = study.info?.spec.space
        let recordedOverrides = study.info?.spec.commandLineOverrides ?? []
        emit(.started(setup.info(startedAt: startedAt)))
        emit(.phase(.running, reason: nil))
        do {
            try FileManager.default.createDirectory(atPath: setup.sweepDirectory, withIntermediateDirectories: true)
            try setup.controls.claim()
            try setup.controls.armStop()
            try setup.controls.setPaused(false)
            if setup.spec.passing == .overrides {
                if let site = setup.installedCallback {
                    note("The Hydra callback is the installed hypertop_hydra (\(site))")
                } else {
                    try HydraCallback.install(in: setup.callbackDirectory)
                }
            }
        } catch {
            note("cannot prepare \(setup.sweepDirectory) or the stop file: \(FileErrorText.describe(error))")
            _ = stops.stop("the sweep directory could not be prepared")
        }
        for warning in setup.warnings { note(warning) }
        // The journal's disk is taken now, while there is some (see `StoreJournal.reserve`).
        for problem in durable?.reserveJournal() ?? [] { note(problem) }
        for line in MachineResources.summary(setup.resources, spec: setup.spec, slots: setup.spec.nJobs, environment: setup.environment) {
            note(line)
        }
        if let usage {
            let gpus = usage.gpuNote.map { "; \($0)" } ?? ", and their GPU memory and use (NVML)"
            note("Measuring each trial's CPU and memory" + (launcher.queuesJobs ? " where its job runs on this machine" : "") + gpus)
        }
        if !setup.controls.usesScilabNames {
            note("Another study runs in \(setup.projectDirectory) and uses \(ControlFiles.stopFileName); this study's stop file is \(setup.controls.stopFile), its pause file \(setup.controls.pauseFile)")
        }
        note("Launching jobs, sweep output dir : \(setup.sweepDirectory)")
        if let method = setup.spec.wandbMethod {
            // What the W&B sweep file's keys became, in the log the dashboard shows.
            note("W&B sweep: method \(method) → sampler \(setup.spec.sampler.name)" + (setup.spec.samplerReason.map { " (\($0))" } ?? "")
                 + (setup.spec.pruner == .none ? "" : "; early_terminate → pruner \(setup.spec.pruner.summary)"))
        }
        for number in running.keys.sorted() {
            note("Adopted trial #\(number): its job \(running[number]!.job.id) outlived the earlier engine and goes on")
        }
        if !study.trials.isEmpty {
            note("Resuming study \(setup.spec.studyName) with \(study.trials.count) recorded trial(s)")
            let changes = recordedSpace.map { setup.spec.space.changes(since: $0) } ?? []
            let overrides = setup.spec.commandLineOverrides ?? []
            if study.info != nil, overrides != recordedOverrides {
                func words(_ o: [String]) -> String { o.isEmpty ? "none" : ProcessText.commandLine(o) }
                note("warning: the study was last run with the command-line overrides \(words(recordedOverrides)); "
                     + "it goes on with \(words(overrides)). Its recorded trials keep what they ran with")
            }
            if !changes.isEmpty {
                note("warning: the search space changed since this study was recorded: \(changes.joined(separator: "; ")). "
                     + "Its recorded trials keep their values, so the best reported may lie outside the new space; start over with --new to avoid that")
            }
        }
        // One tick: read the controls, follow the running jobs (their ends free slots), escalate
        // kills, refill the free slots, then hand this tick's events to the sink and the stream.
        while true {
            checkControls(clock.now())
            await deliverSignals()
            await pollRunning()
            measureUsage(clock.now())
            escalateKills(clock.now())
            await deliverSignals()
            await fillSlots()
            await deliverSignals()
            updatePhase()
            flush()
            beat(clock.now())
            if running.isEmpty && !mayLaunchMore { break }
            await clock.sleep(for: setup.pollInterval)
        }
        if let exhausted = stops.exhausted { note("Search space exhausted: \(exhausted)") }
        phase = .done
        emit(.phase(.done, reason: stops.endReason))
        flush()
        await launcher.finish()
        await recordWhatWasKept()
        setup.controls.remove()
        if usage != nil { UsageFile.remove(sweepDirectory: setup.sweepDirectory) }
        SweepDirectoryClaim.release(setup.sweepDirectory)
        continuation.finish()
        return study
    }
}
