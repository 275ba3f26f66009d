import Foundation
import XCTest
@testable import HyperOpt
import TestSupport

/// Adaptive repeats (`repeats: adaptive`): which set gets the next run.
final class RacingTests: XCTestCase {
    /// A study whose set `i` has the given scores (all its runs finished).
    private func study(_ sets: [[Double]]) -> Study {
        var s = Study()
        var n = 0
        for (g, scores) in sets.enumerated() {
            for (r, v) in scores.enumerated() {
                s.apply(.launched(TrialLaunch(number: n, paramSet: g, repeatIndex: r, params: ["x": .int(g)], runDir: "", command: [], startedAt: Date())))
                s.apply(.finished(TrialOutcome(number: n, state: .complete, score: v, reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
                n += 1
            }
        }
        return s
    }

    func testStudentsIntervalIsTheTextbooks() {
        // mean 2, sd 1, n 3: t(0.975, 2) = 4.303, half-width 4.303 / sqrt(3).
        XCTAssertEqual(Sample.interval95([1, 2, 3])!, 4.303 / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertNil(Sample.interval95([1]))
        XCTAssertEqual(Sample.t975(30), 2.042)
        XCTAssertEqual(Sample.t975(120), 1.980, accuracy: 0.001, "Cornish-Fisher beyond the table (exact: 1.9799)")
    }

    func testARivalWhoseIntervalOverlapsTheLeadersGetsTheRun() {
        // Set 0 leads (0.80 ± ...), set 1 (0.78) overlaps it, set 2 (0.20) is far behind.
        let s = study([[0.82, 0.78], [0.80, 0.76], [0.21, 0.19]])
        XCTAssertEqual(Racing.nextRepeat(study: s, direction: .maximize, minRuns: 2, isOpen: { _ in true }), 0,
                       "the leader and its rival overlap: the most promising of them (the leader) runs again")
        XCTAssertEqual(Racing.nextRepeat(study: s, direction: .maximize, minRuns: 2, isOpen: { $0 != 0 }), 1,
                       "the leader is full: its rival runs")
        XCTAssertNil(Racing.nextRepeat(study: s, direction: .maximize, minRuns: 2, isOpen: { $0 == 2 }),
                     "the set far behind never gets a repeat")
    }

    func testASeparatedLeaderEndsTheRace() {
        let s = study([[0.90, 0.91, 0.89], [0.50, 0.52, 0.51]])
        XCTAssertNil(Racing.nextRepeat(study: s, direction: .maximize, minRuns: 2, isOpen: { _ in true }), "0.90 ± 0.02 and 0.51 ± 0.02 stand apart")
        XCTAssertEqual(Racing.nextRepeat(study: s, direction: .minimize, minRuns: 2, isOpen: { _ in true }), nil)
    }

    func testASetWithOneRunBorrowsThePooledSpread() {
        // Sets 0 and 1 have a spread of about 0.1; set 2's single 0.7 is within reach of set 0's 0.75.
        let s = study([[0.8, 0.7], [0.3, 0.2], [0.7]])
        XCTAssertEqual(Racing.nextRepeat(study: s, direction: .maximize, minRuns: 1, isOpen: { $0 == 2 }), 2)
        XCTAssertEqual(Racing.pooledStd(s.paramSets)!.df, 2)
    }

    func testARunningRepeatIsAwaitedBeforeAnother() {
        var s = study([[0.82, 0.78], [0.80, 0.76]])
        s.apply(.launched(TrialLaunch(number: 9, paramSet: 0, repeatIndex: 2, params: ["x": .int(0)], runDir: "", command: [], startedAt: Date())))
        XCTAssertEqual(Racing.nextRepeat(study: s, direction: .maximize, minRuns: 2, isOpen: { _ in true }), 1,
                       "set 0 has a run in flight; set 1 is next")
    }

    func testThePlannerRacesWithinMaxAndNeverRelaunchesARetiredSet() {
        let space = SearchSpace([Parameter(name: "x", distribution: .int(low: 0, high: 9, log: false, step: 1))])
        var planner = TrialPlanner(space: space, direction: .maximize, minPerParamSet: 2, maxPerParamSet: 4, seed: 1,
                                   sampler: ScriptedParams(script: (0..<200).map { ["x": ParamValue.int($0 % 10)] }))
        planner.adaptive = true
        var s = Study()
        var n = 0
        // Sets 0 and 1 score alike (they keep overlapping); later sets come when both are full.
        let score: (Int, Int) -> Double = { g, r in g <= 1 ? 0.8 + 0.02 * Double((r + g) % 2) : 0.1 }
        var perSet: [Int: Int] = [:]
        while n < 12 {
            guard case .launch(let g, let p, let r) = planner.next(trialNumber: n, study: s) else { return XCTFail("exhausted at \(n)") }
            s.apply(.launched(TrialLaunch(number: n, paramSet: g, repeatIndex: r, params: p, runDir: "", command: [], startedAt: Date())))
            s.apply(.finished(TrialOutcome(number: n, state: .complete, score: score(g, r), reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
            perSet[g, default: 0] += 1
            n += 1
        }
        XCTAssertEqual(perSet[0], 4, "the close race runs up to max_trials_per_param")
        XCTAssertEqual(perSet[1], 4)
        XCTAssertTrue(perSet.filter { $0.key >= 2 }.values.allSatisfy { $0 == 2 }, "clear losers get only min_trials_per_param: \(perSet)")
        planner.retire(paramSet: 2)
        for k in 0..<5 {
            if case .launch(let g, _, _) = planner.next(trialNumber: 100 + k, study: s) { XCTAssertNotEqual(g, 2, "a retired set is never launched") }
        }
    }
}
