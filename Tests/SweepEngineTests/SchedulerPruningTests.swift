import Foundation
import XCTest
@testable import StudyReports
@testable import SweepEngine
@testable import HyperOpt
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Pruning and repeats in the scheduler, on the fake launcher and clock: sets pruned as sets,
/// ASHA asynchronously, adaptive repeats.
final class SchedulerPruningTests: XCTestCase {
    /// The first run of a set is judged alone; its repeat on the set's mean curve, and once the
    /// set is pruned it is never launched again.
    func testARepeatIsJudgedOnItsSetsMeanAndAPrunedSetIsRetired() async throws {
        var f = try SweepFixture(maxTrials: 6, nJobs: 1, minPerParamSet: 2, maxPerParamSet: 2)
        f.spec.pruner = .median(MedianPrunerOptions(nStartupTrials: 2))
        defer { f.remove() }
        let good = SweepFixture.params(x: 0.9), bad = SweepFixture.params(x: 0.1), third = SweepFixture.params(x: 0.92)
        // Trials 0, 1: set 0 (0.9 each). Trial 2: set 1's first run (0.85 at evaluation 1, then 0.1).
        // Trial 3: set 1's repeat at 0.1 from the start: alone it is pruned at once, but with
        // trial 2's 0.85 its set's mean is 0.475 at evaluation 1, which the median (0.9) prunes.
        let (scheduler, _, _) = f.fakeScheduler(ScriptedParams(script: [good, good, bad, bad, third, third])) { n in
            switch n {
            case 0, 1: return .reporting(0.9, count: 3)
            case 2: return FakeJob(duration: 3.01, metrics: [(1, #"{"step": 1, "eval/success_rate": 0.95}"#), (2, #"{"step": 2, "eval/success_rate": 0.95}"#),
                                                             (3, #"{"step": 3, "eval/success_rate": 0.95}"#)])
            case 3: return .reporting(0.1, count: 3)
            default: return .reporting(0.92, count: 3)
            }
        }
        let study = await scheduler.run()
        let reason = study.trial(3)?.outcome?.reason ?? ""
        XCTAssertEqual(study.trial(3)?.state, .pruned, reason)
        XCTAssertTrue(reason.hasPrefix("set 1, on the mean of its 2 runs: pruned by median at evaluation 1: best eval/success_rate 0.525 so far is below 0.9"), reason)
        XCTAssertEqual(study.paramSets[1].launched, 2, "set 1 is not launched again after it was pruned")
        XCTAssertEqual(study.trials.filter { $0.launch.paramSet == 2 }.count, 2,
                       "the budget goes to the next set: \(study.trials.map { "\($0.number):\($0.launch.paramSet):\($0.state)" })")
    }

    /// ASHA is asynchronous: a trial is promoted or stopped at each rung as it gets there, without
    /// waiting for the others (one that gets there first, alone, goes on).
    func testSuccessiveHalvingStopsLaggardsAtTheirRungWithoutWaiting() async throws {
        var f = try SweepFixture(maxTrials: 2, nJobs: 2)
        f.spec.pruner = .successiveHalving(SuccessiveHalvingOptions(minResource: 1, reductionFactor: 2))
        defer { f.remove() }
        // Trial 0 reaches rung 0 (its 2nd evaluation) at 2 s with 0.9; trial 1 at 3 s with 0.2.
        let (scheduler, launcher, _) = f.fakeScheduler(ScriptedParams(script: [SweepFixture.params(x: 0.9), SweepFixture.params(x: 0.2)])) { n in
            n == 0 ? .reporting(0.9, count: 8) : .reporting(0.2, count: 8, every: 1.5)
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.complete, .pruned])
        XCTAssertEqual(study.trial(1)?.outcome?.reason,
                       "pruned by successive halving at evaluation 2 (rung 0): eval/success_rate 0.2 is not among the best 1/2 of the 2 trials there (needs ≥ 0.9)")
        let started = try XCTUnwrap(study.trial(1)?.launch.startedAt)
        XCTAssertEqual(try XCTUnwrap(launcher.signals(trial: 1).first).1.timeIntervalSince(started), 3, accuracy: 0.6)
        let end0 = try XCTUnwrap(study.trial(0)?.outcome?.endedAt)
        XCTAssertGreaterThan(end0.timeIntervalSince(started), 7, "trial 0 went on to its end; nobody waited for a rung to fill")
    }

    /// `repeats: adaptive`: the two close sets get runs up to max_trials_per_param, the clearly
    /// worse ones only min_trials_per_param.
    func testAdaptiveRepeatsGoToTheSetsStillInTheRace() async throws {
        var f = try SweepFixture(maxTrials: 14, nJobs: 1, minPerParamSet: 2, maxPerParamSet: 5)
        f.spec.repeats = .adaptive
        defer { f.remove() }
        let xs = [0.80, 0.79, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]
        let clock = ManualClock()
        // Each run reports its set's x, with seed noise of ±0.02.
        let launcher = FakeLauncher(clock: clock) { n, env in
            let x = env["HYPERTOP_PARAMS"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["x"] as? Double ?? 0
            return .reporting(x + (n % 2 == 0 ? 0.02 : -0.02), count: 1)
        }
        var setup = f.setup
        setup.pollInterval = .milliseconds(500)
        let sampler = ScriptedParams(script: (0..<40).map { SweepFixture.params(x: xs[min($0 / 2, xs.count - 1)]) })
        let study = await Scheduler(setup: setup, launcher: launcher, sampler: sampler, clock: clock).run()
        let runs = study.paramSets.map(\.launched)
        XCTAssertEqual(runs.reduce(0, +), 14)
        XCTAssertGreaterThan(runs[0] + runs[1], 4, "the two close sets race: \(runs)")
        XCTAssertTrue(runs.dropFirst(2).allSatisfy { $0 == 2 }, "sets far behind get min_trials_per_param only: \(runs) \(study.paramSets.map { "\($0.params["++x"].map { "\($0)" } ?? "-"): \($0.scores)" })")
        let results = StudyResults.resultsYAML(study, spec: f.spec)
        XCTAssertTrue(results.contains("best_value_ci95: "), results)
    }
}
