import ArgumentParser
import Foundation
import HyperOpt
import StudyReports
import SweepEngine

/// Scilab-RL's performance test: identical runs of one configuration, pass or fail.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a performance test (*-test.yaml): pass when enough identical runs reach the target.",
        discussion: """
        Reads `performance_testing_conditions: {total_runs, succ_runs, eval_columns, eval_value, max_steps}` and runs `total_runs` jobs (each with its own seed, `n_epochs = max_steps / eval_after_n_steps`), `hydra.sweeper.n_jobs` at a time. A run succeeds when the last logged value of `eval_columns` is at least `eval_value`. Exit status 0 when the test passes, 1 when it fails, 2 on a config error.
        """
    )

    @Argument(help: "The performance test file (*-test.yaml).")
    var config: String

    @Argument(help: SweepOptions.overridesHelp)
    var overrides: [String] = []

    @OptionGroup var sweepOptions: SweepOptions

    @Option(help: "Seed of the jobs' seeds.")
    var seed: UInt64?

    @Option(help: ArgumentHelp("The job's command line, e.g. \"python src/main.py\" (overrides hydra.sweeper.command).", valueName: "command line"))
    var command: String?

    mutating func run() async throws {
        let passed = try await withUserErrors { try await runTest() }
        if !passed { throw ExitCode(1) }
    }

    private func runTest() async throws -> Bool {
        let sweep = try PreparedSweep.prepare(config: config, kind: .test, overrides: sweepOptions.all(overrides), command: command,
                                              seed: seed, projectDirectory: FileManager.default.currentDirectoryPath)
        guard let test = sweep.test else { throw CLIError("\(config) is not a performance test.") }
        // Each run of a test gets a directory of its own: test files that share a study_name
        // (Scilab-RL has several) never meet, and nothing is moved or overwritten.
        let sweepDir = try StudySession.freshDirectory(sweep.sweepDirectory,
                                                       name: URL(fileURLWithPath: sweep.spec.configPath).deletingPathExtension().lastPathComponent)
        let setup = try sweep.setup(sweepDirectory: sweepDir)
        let scheduler = Scheduler(setup: setup, sampler: RandomSampler())
        print(HeadlessLog().stamp("Runs in \(sweepDir)"))
        print(HeadlessLog().stamp("Performance test \(test.name): \(test.succRuns) of \(test.totalRuns) runs must reach \(test.evalColumn) >= \(test.evalValue), \(test.nJobs) at a time"))
        let tally = Tally(test: test)
        let study = await HeadlessRun.run(scheduler) { event in
            guard case .finished(let outcome) = event else { return }
            if let decided = await tally.record(outcome) {
                await scheduler.requestStop("the performance test is decided (\(decided ? "passed" : "failed"))")
            }
        }
        let finished = study.trials.filter { $0.state.isFinished }
        let successes = finished.filter { test.succeeded($0.outcome) }.count
        let verdict = test.verdict(successes: successes, finished: finished.count) ?? false
        if verdict {
            print("Performance test \(test.name) successful! The value for \(test.evalColumn) was at least \(test.evalValue) in \(successes) of \(finished.count) runs.")
        } else {
            print("Performance test \(test.name) failed: \(successes) of \(finished.count) runs reached \(test.evalColumn) >= \(test.evalValue); \(test.succRuns) needed.")
        }
        if let aborted = await scheduler.abortReason { print("The test stopped early: \(aborted)") }
        return verdict
    }
}

/// Counts successful runs as they finish, and says when the verdict is known.
actor Tally {
    let test: PerformanceTest
    var successes = 0
    var finished = 0

    init(test: PerformanceTest) { self.test = test }

    func record(_ outcome: TrialOutcome) -> Bool? {
        finished += 1
        if test.succeeded(outcome) { successes += 1 }
        return test.verdict(successes: successes, finished: finished)
    }
}
