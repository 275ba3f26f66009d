import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

final class SchedulerTests: XCTestCase {
    /// Repeats of a set run side by side, and a set never runs more than max_trials_per_param
    /// times; a space with nothing left ends the study instead of looping (reference defects 1, 2).
    func testRepeatsRunInParallelAreBoundedAndExhaustionEnds() async throws {
        var f = try SweepFixture(maxTrials: 10, nJobs: 3, minPerParamSet: 2, maxPerParamSet: 3,
                                 space: [Parameter(name: "++mode", distribution: .categorical(choices: [.string("ok")]))])
        f.spec.criterion = "eval/success_rate"
        defer { f.remove() }
        let scheduler = f.scheduler(RandomSampler())
        let collected = Task { () -> [EngineEvent] in
            var all: [EngineEvent] = []
            for await e in scheduler.events { all.append(e) }
            return all
        }
        let study = await scheduler.run()
        let events = await collected.value
        XCTAssertEqual(study.trials.count, 3, "1 set x max 3 runs")
        XCTAssertEqual(study.trials.map(\.launch.repeatIndex), [0, 1, 2])
        let firstEnd = try XCTUnwrap(study.trials.compactMap { $0.outcome?.endedAt }.min())
        XCTAssertLessThan(study.trials[1].launch.startedAt, firstEnd, "the repeat waited instead of running in parallel")
        XCTAssertEqual(study.best?.count, 3)
        let messages = events.compactMap { e -> String? in if case .message(let m, _) = e { return m } else { return nil } }
        XCTAssertTrue(messages.contains { $0.contains("Search space exhausted") }, "\(messages)")
    }

    /// A crash, a NaN, a criterion never logged and garbage lines neither win nor stop the study
    /// (reference defects 4, 5, 6).
    func testFailedTrialsNeitherWinNorStopTheStudy() async throws {
        let f = try SweepFixture(maxTrials: 6, nJobs: 2)
        defer { f.remove() }
        let script = [
            SweepFixture.params(mode: "crash"), SweepFixture.params(mode: "writenan"), SweepFixture.params(mode: "silent"),
            SweepFixture.params(x: 0.3, mode: "garbage"), SweepFixture.params(x: 0.2), SweepFixture.params(x: 0.1, mode: "silent", epochs: 1),
        ]
        let study = await f.scheduler(ScriptedParams(script: script)).run()
        XCTAssertEqual(study.trials.map(\.state), [.failed, .failed, .failed, .complete, .complete, .failed])
        let reasons = study.trials.map { $0.outcome?.reason ?? "" }
        XCTAssertTrue(reasons[0].contains("exit status 3") && reasons[0].contains("boom"), reasons[0])
        XCTAssertTrue(reasons[1].contains("NaN"), reasons[1])
        XCTAssertTrue(reasons[2].contains("never logged"), reasons[2])
        XCTAssertEqual(study.best?.params["++mode"], .string("garbage"))
        XCTAssertEqual(study.best?.mean ?? 0, (0.3 + 0.3) / 3, accuracy: 1e-9)
        // The outcome is kept in the run directory too.
        let outcome = try String(contentsOfFile: f.setup.sweepDirectory + "/0/outcome.json", encoding: .utf8)
        XCTAssertTrue(outcome.contains("\"state\": \"FAIL\""), outcome)
    }

    func testRecreatingTheStopFileCancelsTheStop() async throws {
        let f = try SweepFixture(maxTrials: 2, nJobs: 1)
        defer { f.remove() }
        let scheduler = f.scheduler(ScriptedParams(script: [SweepFixture.params(sleep: 0.4, epochs: 2)]))
        let run = Task { await scheduler.run() }
        await eventually("trial 0 running") { await scheduler.snapshot().trials.count == 1 }
        try FileManager.default.removeItem(atPath: f.stopFile)
        await eventually("stopping") { await scheduler.snapshot().phase == .stopping }
        try "again".write(toFile: f.stopFile, atomically: true, encoding: .utf8)
        await eventually("running again") { await scheduler.snapshot().phase == .running }
        let study = await run.value
        XCTAssertEqual(study.trials.count, 2, "the cancelled stop let the study go on")
    }

    /// A value Hydra or a shell could misread reaches the job as one literal argument, never through a shell.
    func testShellLookingValueIsOneLiteralArgument() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1, space: [
            Parameter(name: "++label", distribution: .categorical(choices: [.string("a;rm -rf x"), .string("$(touch pwned)")])),
        ])
        defer { f.remove() }
        try "keep".write(toFile: f.directory + "/x", atomically: true, encoding: .utf8)
        let study = await f.scheduler(ScriptedParams(script: [["++label": .string("a;rm -rf x")]])).run()
        let args = try String(contentsOfFile: f.setup.sweepDirectory + "/0/args.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(args, ["++label='a;rm -rf x'"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.directory + "/x"))
        XCTAssertEqual(study.trials[0].launch.command.last, "++label='a;rm -rf x'")
    }

    func testJobEnvironmentCarriesParamsTrialDirAndMetricsPath() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        let study = await f.scheduler(ScriptedParams(script: [SweepFixture.params(x: 0.7, epochs: 2)])).run()
        XCTAssertEqual(study.trials[0].state, .complete)
        XCTAssertEqual(study.trials[0].metrics.count, 2, "metrics came through $HYPERTOP_METRICS")
        let params = try String(contentsOfFile: f.setup.sweepDirectory + "/0/params.json", encoding: .utf8)
        XCTAssertTrue(params.contains("\"++x\": 0.7"), params)
        let command = try String(contentsOfFile: f.setup.sweepDirectory + "/0/command.txt", encoding: .utf8)
        XCTAssertTrue(command.hasPrefix(SweepFixture.job + "\n++x=0.7\n"), command)
    }

    /// A job that turns its metrics file into a FIFO or a link to /dev/zero fails with that
    /// reason; the engine never blocks or floods on it, and the other trials go on.
    func testNonRegularMetricsFileFailsThatTrialOnly() async throws {
        let f = try SweepFixture(maxTrials: 3, nJobs: 2)
        defer { f.remove() }
        let scheduler = f.scheduler(ScriptedParams(script: [
            SweepFixture.params(mode: "fifo"), SweepFixture.params(mode: "devzero"), SweepFixture.params(x: 0.4, epochs: 2),
        ]))
        let done = RunBox()
        Task { done.study = await scheduler.run() }
        await eventually(timeout: 30, "the study ends") { done.study != nil }
        let study = try XCTUnwrap(done.study)
        XCTAssertEqual(study.trials.map(\.state), [.failed, .failed, .complete])
        XCTAssertTrue(study.trials[0].outcome?.reason?.contains("is not a regular file (a FIFO)") ?? false, study.trials[0].outcome?.reason ?? "")
        XCTAssertTrue(study.trials[1].outcome?.reason?.contains("is not a regular file (a character device)") ?? false,
                      study.trials[1].outcome?.reason ?? "")
    }
}

/// The study a background run returned, for a test that waits with a bound.
final class RunBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Study?
    var study: Study? {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}
