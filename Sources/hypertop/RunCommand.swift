import ArgumentParser
import DashboardCore
import CursesTerminal
import Foundation
import HyperOpt
import StudyReports
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the sweep a config file describes.",
        discussion: """
        CONFIG is a Scilab-RL sweep config (`conf/performance/<Env>/<name>-opti.yaml`) or a primary config in the upstream hydra-optuna-sweeper's grammar (`hydra.sweeper.params`). The job is your Hydra app, found beside `conf/` (`python src/main.py`, or the one script with `@hydra.main`) and run in the project's root, unless hydra.sweeper.command or --command names another; it gets the file's keys as overrides (`algorithm=sac`, `++n_epochs=5`), the sampled values, and `hydra.run.dir=<trial dir>`, and what its decorated function returns is the trial's value. Trials run in `<workdir>/<study_name>/<trial number>/` (workdir defaults to `data`), each with its stdout.log, stderr.log, command.txt, params.json, metrics and outcome.json. Every event is recorded in the study store (Optuna's SQLite schema); running again resumes the study.

        Hydra-style overrides may follow the file, as on Scilab-RL's command line: `hypertop run conf/performance/FetchReach/sac_her-opti.yaml hydra.sweeper.max_trials=4 hydra.sweeper.n_jobs=2 n_epochs=3` (`--multirun` is accepted and ignored). Each trial gets its own CPUs (the machine's shared among the slots, with OMP_NUM_THREADS and the like set to match unless you set them) and, with gpus_per_trial, its own CUDA_VISIBLE_DEVICES.

        At the end hypertop prints `Best parameters` and `Best value` and writes `optimization_results.yaml` in the sweep directory.
        """
    )

    @Argument(help: "The sweep config file (*-opti.yaml).")
    var config: String

    @Argument(help: SweepOptions.overridesHelp)
    var overrides: [String] = []

    @OptionGroup var sweepOptions: SweepOptions

    @Flag(help: "Print log lines instead of the live dashboard (also chosen when stdout is not a terminal).")
    var headless = false

    @OptionGroup var refreshOption: RefreshOption
    var refresh: Double { refreshOption.refresh }

    @Option(help: "Seed of the sampler and the jobs' seeds (overrides hydra.sweeper.seed).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("The job's command line, e.g. \"python src/main.py\" (overrides hydra.sweeper.command).", valueName: "command line"))
    var command: String?

    @Option(help: "The study store (SQLite, Optuna's schema). Default: hydra.sweeper.storage, else <workdir>/hypertop.db.")
    var storage: String?

    @Flag(help: "Continue the study when the store already has it (the default when not asked interactively).")
    var resume = false

    @Flag(help: "Start the study over: the recorded one is kept under a new name and its directory moved aside.")
    var new = false

    @Flag(help: ArgumentHelp("Run the engine in the background, in its own session (it outlives this terminal), its log in the sweep directory; print how to attach, and return.",
                             discussion: "`hypertop attach STUDY` opens the live dashboard on it from any terminal; its `q` detaches again."))
    var detach = false

    func validate() throws {
        if resume && new { throw ValidationError("--resume and --new contradict each other; pass one of them.") }
    }

    mutating func run() async throws {
        EngineProcess.takeEnvironment()
        let env = EngineProcess.environment
        if !detach, !headless, isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1, !EngineProcess.isSupervised, !EngineProcess.isDetachedEngine,
           env[EngineProcess.noSupervisorVariable] == nil {
            // The dashboard and the engine run in a child that can detach; this process stands in for it.
            let status = try await withUserErrors { try EngineProcess.supervise(Array(CommandLine.arguments.dropFirst())) }
            if status != 0 { throw ExitCode(status) }
            return
        }
        if EngineProcess.isDetachedEngine { SignalTrap.ignoresHangup = true }
        let (failures, signalStatus) = try await withUserErrors { try await runSweep() }
        for line in failures { say("hypertop: \(line)", error: true) }
        // A signal's stop exits as a shell reports it (130, 143); anything else that went wrong, 1.
        if let signalStatus { throw ExitCode(signalStatus) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Runs the sweep; returns what went wrong in the end (exit status 1): the study stopped
    /// for failing jobs, events the store could not take.
    private func runSweep() async throws -> (failures: [String], signalStatus: Int32?) {
        let projectDir = FileManager.default.currentDirectoryPath
        let sweep = try PreparedSweep.prepare(config: config, kind: .sweep, overrides: sweepOptions.all(overrides), command: command,
                                              seed: seed, projectDirectory: projectDir, capJobs: true)
        let (spec, job, seed, sweepDir) = (sweep.spec, sweep.job, sweep.seed, sweep.sweepDirectory)
        let sampler = try sweep.sampler()
        // The warnings go in the study's log: the headless lines, the dashboard's messages and the store all keep them.
        var setup = try sweep.setup()
        // Each running trial's use of the machine is measured at the dashboard's refresh.
        setup.usageInterval = refresh
        let controls = setup.controls
        let info = setup.info(startedAt: Date())
        let storePath = absolute(storage ?? StudyStore.defaultPath(for: spec), base: projectDir)
        if detach {
            var args = Array(CommandLine.arguments.dropFirst()).filter { $0 != "--detach" }
            if !args.contains("--headless") { args.insert("--headless", at: 1) }
            if !resume && !new, let existing = StudyOpening.existing(spec.studyName, storePath: storePath) {
                // The question is asked here, where the terminal is; the engine gets the answer.
                args.insert(try StudyOpening.ask(name: existing.name, trials: existing.trials, storePath: storePath) == .resume ? "--resume" : "--new", at: 1)
            }
            try await EngineProcess.start(args, spec: spec, storePath: storePath, sweepDir: sweepDir, projectDir: projectDir)
            return ([], nil)
        }
        let launcher = try await sweep.launcher()
        let opening = try await StudyOpening.open(spec: spec, info: info, storePath: storePath, launcher: launcher,
                                            choice: resume ? .resume : new ? .startOver : .ask)
        // The store is left as Optuna's storage leaves it, readable by anyone who may read the file
        // (see `StudyStore.close`); a watcher that saw the end gets 2 s to let go.
        defer { opening.store.close(waitingUpTo: 2) }
        let logPath = (sweepDir as NSString).appendingPathComponent("hypertop.log")
        if EngineProcess.isDetachedEngine {
            // Opening may have moved an earlier sweep directory (and the log in it) aside.
            try? FileManager.default.createDirectory(atPath: sweepDir, withIntermediateDirectories: true)
            EngineProcess.redirectOutput(to: logPath)
        }
        print(HeadlessLog().stamp("Recording in \(storePath) (study \"\(spec.studyName)\")"))
        let scheduler = Scheduler(setup: setup, launcher: launcher, sink: StoreSink(store: opening.store, studyID: opening.studyID),
                                  sampler: sampler, resumed: opening.resumed, lostTrials: opening.lost, adopted: opening.adopted,
                                  startedAt: info.startedAt)
        let on = spec.launching == .local ? "" : " as Slurm jobs"
        print(HeadlessLog().stamp("Study \(spec.studyName): \(spec.maxTrials) trials, \(spec.nJobs) at a time\(on), sampler \(sampler.name), seed \(seed)"))
        print(HeadlessLog().stamp("Job: \(ProcessText.commandLine(job.argv)) (in \(job.directory))"))
        let study: Study
        var ending: DashboardEffect?
        if headless || isatty(STDOUT_FILENO) != 1 || isatty(STDIN_FILENO) != 1 {
            study = await HeadlessRun.run(scheduler)
        } else {
            try? FileManager.default.createDirectory(atPath: sweepDir, withIntermediateDirectories: true)
            let name = spec.studyName
            let detacher: (@Sendable () -> Void)? = EngineProcess.isSupervised
                ? { @Sendable in
                    EngineProcess.leaveTerminal(study: name, storePath: storePath, logPath: logPath) { SignalTrap.ignoresHangup = true }
                } : nil
            let notes = (try? StoredStudy.openStore(storePath)).map {
                NoteBook(study: StoredStudy(path: storePath, store: $0, id: opening.studyID, name: spec.studyName), program: "hypertop run")
            }
            (study, ending) = await DashboardRun.run(scheduler, controls: controls, refresh: refresh, logPath: logPath, detach: detacher,
                                           notes: notes)
            notes?.study.close()
        }
        for line in StudyResults.lines(study, space: spec.space) { print(line) }
        let results = (sweepDir as NSString).appendingPathComponent("optimization_results.yaml")
        if !FileManager.default.fileExists(atPath: sweepDir) {
            // A job (or a user) deleted it while the study ran: the results still get a place.
            try? FileManager.default.createDirectory(atPath: sweepDir, withIntermediateDirectories: true)
            print(HeadlessLog().stamp("The sweep directory \(sweepDir) was deleted while the study ran (its trials' files with it); made it again for the results"))
        }
        do {
            try StudyResults.resultsYAML(study, spec: spec).write(toFile: results, atomically: true, encoding: .utf8)
            print("Results written to \(results)")
        } catch {
            throw CLIError("could not write \(results): \(FileErrorText.describe(error))")
        }
        var failures = await scheduler.abortReason.map { ["the study stopped: \($0)"] } ?? []
        if ending == .quitAndKill { failures.append("the study was ended from the dashboard, its running trials killed (quit, then kill)") }
        if let loss = await scheduler.lossReport { failures.append(loss) }
        return (failures, await scheduler.signalExitStatus)
    }
}

/// Runs a scheduler to its end, printing the headless log lines; Ctrl-C goes to the scheduler.
enum HeadlessRun {
    static func run(_ scheduler: Scheduler, onEvent: @escaping @Sendable (EngineEvent) async -> Void = { _ in }) async -> Study {
        let signals = SignalTrap.forScheduler(scheduler)
        defer { signals.stop() }
        let log = HeadlessPrinter { line in
            print(line)
            fflush(nil)
        }
        let printer = Task {
            for await event in scheduler.events {
                await log.take(event)
                await onEvent(event)
            }
        }
        // A status line when the study has been quiet for a while (see `HeadlessLog.quietLine`).
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(10))
                await log.tick()
            }
        }
        let study = await scheduler.run()
        await printer.value
        ticker.cancel()
        return study
    }
}

extension SignalTrap {
    /// Signals go to the scheduler (see `Scheduler.interrupt(signal:)`).
    static func forScheduler(_ scheduler: Scheduler) -> SignalTrap {
        SignalTrap { signal in Task { await scheduler.interrupt(signal: signal) } }
    }
}
