import Foundation
import HyperOpt
import TestSupport
import XCTest
@testable import SweepEngine

/// A W&B sweep's engine side: `metric.target` stops launching once a finished trial reaches it,
/// and a command with W&B's macros gets the values where they say, `${args_json_file}` a file.
final class WandbSchedulerTests: XCTestCase {
    func testTheTargetStopsTheStudyAndTheMacrosPlaceTheValues() async throws {
        var f = try SweepFixture(maxTrials: 10, nJobs: 1)
        defer { f.remove() }
        f.spec.stopAtTarget = 0.8
        f.spec.score = .last
        f.spec.wandbMethod = "random"
        f.spec.passConfig = PassConfig.none
        let values = [0.5, 0.6, 0.9] + [Double](repeating: 0.95, count: 7)
        let clock = ManualClock()
        let launcher = FakeLauncher(clock: clock) { n in FakeJob.reporting(values[n], count: 2) }
        var setup = f.setup
        setup.jobCommand = [SweepFixture.job, "${args_json_file}", "${args}"]
        setup.pollInterval = .milliseconds(500)
        let sampler = ScriptedParams(script: (0..<10).map { SweepFixture.params(x: Double($0) / 10) })
        let study = await Scheduler(setup: setup, launcher: launcher, sampler: sampler, clock: clock).run()
        XCTAssertEqual(launcher.startedTrials, [0, 1, 2], "trial 2 reached the target; no trial started after it")
        XCTAssertEqual(study.phaseReason, "metric.target reached: trial #2's eval/success_rate 0.9 is at or above the target 0.8; running trials will finish")
        let first = try XCTUnwrap(study.trial(0)?.launch)
        let runDir = setup.sweepDirectory + "/0"
        // Sorted by name, as W&B passes a run's config; nothing else appended.
        XCTAssertEqual(first.command, [SweepFixture.job, runDir + "/args.json", "--epochs=3", "--mode=ok", "--sleep=0.0", "--x=0.0"])
        XCTAssertEqual(first.jobWords, 1)
        XCTAssertEqual(try String(contentsOfFile: runDir + "/args.json", encoding: .utf8), #"{"epochs": 3, "mode": "ok", "sleep": 0.0, "x": 0.0}"#)
    }
}
