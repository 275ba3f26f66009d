import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the sweep a config file describes.",
        discussion: """
        CONFIG is a Scilab-RL sweep config (`conf/performance/<Env>/<name>-opti.yaml`). Trials run in `<workdir>/<study_name>/<trial number>/` (workdir defaults to `data`), each with its stdout.log, stderr.log, command.txt, params.json, metrics and outcome.json. Every event is recorded in the study store (Optuna's SQLite schema); running again resumes the study.

        At the end hypertop prints `Best parameters` and `Best value` and writes `optimization_results.yaml` in the sweep directory.
        """
    )

    @Argument(help: "The sweep config file (*-opti.yaml).")
    var config: String

    @Flag(help: "Print log lines instead of the live dashboard (also chosen when stdout is not a terminal).")
    var headless = false

    @Option(help: "Seconds between dashboard refreshes (keys act at once regardless).")
    var refresh: Double = 1

    @Option(help: "Seed of the sampler and the jobs' seeds (overrides hydra.sweeper.seed).")
    var seed: UInt64?

    @Option(help: "The study store (SQLite, Optuna's schema). Default: hydra.sweeper.storage, else <workdir>/hypertop.db.")
    var storage: String?

    @Flag(help: "Continue the study when the store already has it (the default when not asked interactively).")
    var resume = false

    @Flag(help: "Start the study over: the recorded one is kept under a new name and its directory moved aside.")
    var new = false

    mutating func run() async throws {
        do {
            try await runSweep()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("hypertop: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func runSweep() async throws {
        let spec: StudySpec
        do {
            spec = try ConfigLoader.load(path: config)
        } catch let error as ConfigError {
            throw CLIError("\(error)")
        }
        let projectDir = FileManager.default.currentDirectoryPath
        let jobCommand = try JobCommand.resolve(spec: spec, projectDirectory: projectDir)
        let sampler = try SamplerFactory.make(spec)
        let seed = self.seed ?? spec.seed ?? UInt64.random(in: 0..<(1 << 32))
        let sweepDir = absolute(((spec.workdir as NSString).appendingPathComponent(spec.studyName)), base: projectDir)
        guard refresh > 0 && refresh.isFinite else { throw CLIError("--refresh must be a positive number of seconds.") }
        if resume && new { throw CLIError("--resume and --new contradict each other; pass one of them.") }

        let setup = SweepSetup(spec: spec, jobCommand: jobCommand, projectDirectory: projectDir, sweepDirectory: sweepDir,
                               configRoot: configRoot(of: spec.configPath), seed: seed)
        let controls = setup.controls
        let info = StudyInfo(spec: spec, sweepDir: sweepDir, stopFile: controls.stopFile, pauseFile: controls.pauseFile, startedAt: Date())
        let storePath = absolute(storage ?? StudyStore.defaultPath(for: spec), base: projectDir)
        let opening = try StudyOpening.open(spec: spec, info: info, storePath: storePath,
                                            choice: resume ? .resume : new ? .startOver : .ask)
        print(HeadlessLog().stamp("Recording in \(storePath) (study \"\(spec.studyName)\")"))
        let scheduler = Scheduler(setup: setup, sink: StoreSink(store: opening.store, studyID: opening.studyID), sampler: sampler,
                                  resumed: opening.resumed, lostTrials: opening.lost)
        print(HeadlessLog().stamp("Study \(spec.studyName): \(spec.maxTrials) trials, \(spec.nJobs) at a time, sampler \(sampler.name), seed \(seed)"))
        let study: Study
        if headless || isatty(STDOUT_FILENO) != 1 || isatty(STDIN_FILENO) != 1 {
            study = await HeadlessRun.run(scheduler)
        } else {
            try? FileManager.default.createDirectory(atPath: sweepDir, withIntermediateDirectories: true)
            study = await DashboardRun.run(scheduler, controls: controls, refresh: refresh,
                                           logPath: (sweepDir as NSString).appendingPathComponent("hypertop.log"))
        }
        for line in StudySummary.lines(study, spec: spec) { print(line) }
        let results = (sweepDir as NSString).appendingPathComponent("optimization_results.yaml")
        do {
            try StudySummary.resultsYAML(study, spec: spec).write(toFile: results, atomically: true, encoding: .utf8)
            print("Results written to \(results)")
        } catch {
            throw CLIError("could not write \(results): \(error.localizedDescription)")
        }
    }
}

/// Runs a scheduler to its end, printing the headless log lines; Ctrl-C goes to the scheduler.
enum HeadlessRun {
    static func run(_ scheduler: Scheduler, onEvent: @escaping @Sendable (EngineEvent) async -> Void = { _ in }) async -> Study {
        let signals = SignalTrap { await scheduler.interrupt() }
        defer { signals.restore() }
        let printer = Task {
            var log = HeadlessLog()
            for await event in scheduler.events {
                for line in log.lines(for: event) { print(line) }
                fflush(nil)
                await onEvent(event)
            }
        }
        let study = await scheduler.run()
        await printer.value
        return study
    }
}

/// A user error: printed as one line, exit status 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

func absolute(_ path: String, base: String) -> String {
    let full = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    return URL(fileURLWithPath: full).standardizedFileURL.path
}

/// The directory that holds `conf/`, for jobs that look up `+performance=...` themselves.
func configRoot(of configPath: String) -> String? {
    let parts = URL(fileURLWithPath: configPath).pathComponents
    guard let i = parts.lastIndex(of: "conf"), i > 0 else { return nil }
    return NSString.path(withComponents: Array(parts[..<i]))
}
