import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the sweep a config file describes.",
        discussion: """
        CONFIG is a Scilab-RL sweep config (`conf/performance/<Env>/<name>-opti.yaml`). Trials run in
        `<workdir>/<study_name>/<trial number>/` (workdir defaults to `data`), each with its stdout.log,
        stderr.log, command.txt, params.json, metrics and outcome.json. At the end hypertop prints
        `Best parameters` and `Best value` and writes `optimization_results.yaml` in the sweep directory.
        """
    )

    @Argument(help: "The sweep config file (*-opti.yaml).")
    var config: String

    @Flag(help: "Print log lines instead of the live dashboard (also chosen when stdout is not a terminal).")
    var headless = false

    @Option(help: "Seed of the sampler and the jobs' seeds (overrides hydra.sweeper.seed).")
    var seed: UInt64?

    @Flag(help: "Start over when the sweep directory already holds trials (the old one is moved aside).")
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
        try prepareSweepDirectory(sweepDir, startOver: new)

        let setup = SweepSetup(spec: spec, jobCommand: jobCommand, projectDirectory: projectDir, sweepDirectory: sweepDir,
                               configRoot: configRoot(of: spec.configPath), seed: seed)
        let scheduler = Scheduler(setup: setup, sampler: sampler)
        print(HeadlessLog().stamp("Study \(spec.studyName): \(spec.maxTrials) trials, \(spec.nJobs) at a time, sampler \(sampler.name), seed \(seed)"))
        let study = await HeadlessRun.run(scheduler)
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

/// A sweep directory that already holds trials is moved aside, or refused without `--new`.
func prepareSweepDirectory(_ dir: String, startOver: Bool) throws {
    let fm = FileManager.default
    guard let entries = try? fm.contentsOfDirectory(atPath: dir), entries.contains(where: { Int($0) != nil }) else { return }
    guard startOver else {
        throw CLIError("the sweep directory \(dir) already holds trials of an earlier run; pass --new to move it aside and start over.")
    }
    let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
    let aside = dir + "-" + stamp
    try fm.moveItem(atPath: dir, toPath: aside)
    print("Moved the earlier sweep directory to \(aside)")
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
