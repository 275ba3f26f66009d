import Foundation
import XCTest
@testable import HyperOpt
import TestSupport

final class TrialPlannerTests: XCTestCase {
    let space = SearchSpace([Parameter(name: "++c", distribution: .categorical(choices: [.string("min"), .string("max")]))])

    private func launch(_ study: inout Study, _ next: TrialPlanner.Next, number: Int) {
        guard case .launch(let g, let p, let r) = next else { return XCTFail("expected a launch, got \(next)") }
        study.apply(.launched(TrialLaunch(number: number, paramSet: g, repeatIndex: r, params: p, runDir: "", command: [], startedAt: Date())))
    }

    func testMinimumRepeatsAreQueuedBeforeNewProposals() {
        var planner = TrialPlanner(space: space, direction: .maximize, minPerParamSet: 3, maxPerParamSet: 3, seed: 1,
                                   sampler: ScriptedParams(script: [["++c": .string("min")], ["++c": .string("max")]]))
        var study = Study()
        var seen: [(Int, Int)] = []
        for n in 0..<6 {
            let next = planner.next(trialNumber: n, study: study)
            if case .launch(let g, _, let r) = next { seen.append((g, r)) }
            launch(&study, next, number: n)
        }
        XCTAssertEqual(seen.map(\.0), [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(seen.map(\.1), [0, 1, 2, 0, 1, 2])
    }

    /// Reference defect 1 and 2: 2 choices x max 3 repeats < max_trials must end, not spin, and no
    /// set may exceed its maximum even while its copies are still running.
    func testExhaustedSpaceEndsAndRunningCopiesCount() {
        var planner = TrialPlanner(space: space, direction: .maximize, minPerParamSet: 1, maxPerParamSet: 3, seed: 9, sampler: RandomSampler())
        let study = Study()
        var n = 0
        // Every launch stays running (never finishes), so only running copies are there to count.
        while case .launch = planner.next(trialNumber: n, study: study), n <= 6 {
            n += 1
        }
        XCTAssertEqual(n, 6, "2 sets x 3 runs, no more")
        if case .exhausted(let why) = planner.next(trialNumber: n, study: study) {
            XCTAssertTrue(why.contains("max_trials_per_param"), why)
        } else {
            XCTFail("expected exhaustion")
        }
    }

    func testRunningCopiesCountTowardsTheMaximum() {
        // The sampler insists on the same set; with max 2 it may run twice, then must be refused.
        var planner = TrialPlanner(space: SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 1, log: false, step: nil))]),
                                   direction: .maximize, minPerParamSet: 1, maxPerParamSet: 2, seed: 3,
                                   sampler: ScriptedParams(script: [["x": .float(0.5)]]))
        var study = Study()
        var groups: [Int] = []
        for n in 0..<3 {
            let next = planner.next(trialNumber: n, study: study)
            if case .launch(let g, let p, _) = next {
                groups.append(g)
                if n == 2 { XCTAssertNotEqual(p["x"], .float(0.5), "a third copy of a set with max 2") }
            }
            launch(&study, next, number: n)
        }
        XCTAssertEqual(groups, [0, 0, 1])
    }

    func testRestoreRequeuesLostTrialsUpToRetries() {
        var planner = TrialPlanner(space: space, direction: .maximize, minPerParamSet: 1, maxPerParamSet: 1, seed: 1,
                                   sampler: ScriptedParams(script: [["++c": .string("max")]]))
        var study = Study()
        study.apply(.launched(TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: ["++c": .string("min")], runDir: "", command: [], startedAt: Date())))
        study.apply(.finished(TrialOutcome(number: 0, state: .failed, score: nil, reason: "engine died", exitStatus: nil, signal: nil, endedAt: Date())))
        planner.restore(from: study, lostTrials: [0], retries: 1)
        XCTAssertEqual(planner.queuedRepeats, 1)
        XCTAssertEqual(planner.next(trialNumber: 1, study: study), .launch(paramSet: 0, params: ["++c": .string("min")], repeatIndex: 1))
    }

    /// Proposes x = the number of runs its context holds, so the proposal shows what it was given.
    private struct RunCounter: Sampler {
        var name: String { "run counter" }
        func sample(_ context: SamplingContext) -> Params? { ["x": .float(Double(context.runs.count))] }
    }

    /// Every sampler, whatever its type, gets every complete run's score (the planner asks no
    /// sampler what it is): two runs of one set are two runs, a failed one none.
    func testEverySamplerIsGivenTheRuns() {
        var planner = TrialPlanner(space: SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 100, log: false, step: nil))]),
                                   direction: .maximize, minPerParamSet: 3, maxPerParamSet: 3, seed: 1, sampler: RunCounter())
        var study = Study()
        for n in 0..<3 {
            launch(&study, planner.next(trialNumber: n, study: study), number: n)
            study.apply(.finished(TrialOutcome(number: n, state: n == 2 ? .failed : .complete, score: n == 2 ? nil : Double(n),
                                               reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
        }
        guard case .launch(_, let params, _) = planner.next(trialNumber: 3, study: study) else { return XCTFail("expected a launch") }
        XCTAssertEqual(params["x"], .float(2), "one set, two complete runs and a failed one")
    }
}

final class StudyTests: XCTestCase {
    private func run(_ study: inout Study, _ n: Int, paramSet: Int, _ params: Params, score: Double?, state: TrialState = .complete) {
        study.apply(.launched(TrialLaunch(number: n, paramSet: paramSet, repeatIndex: 0, params: params, runDir: "", command: [], startedAt: Date())))
        study.apply(.finished(TrialOutcome(number: n, state: state, score: score, reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
    }

    /// Reference defect 3: the best is the best mean of repeats, not the luckiest single run.
    func testBestIsChosenByMeanOfRepeats() {
        var study = Study()
        run(&study, 0, paramSet: 0, ["c": .string("lucky")], score: 0.9)
        run(&study, 1, paramSet: 0, ["c": .string("lucky")], score: 0.1)
        run(&study, 2, paramSet: 1, ["c": .string("steady")], score: 0.6)
        run(&study, 3, paramSet: 1, ["c": .string("steady")], score: 0.6)
        XCTAssertEqual(study.best?.params, ["c": .string("steady")])
        XCTAssertEqual(study.best?.count, 2)
        XCTAssertEqual(study.paramSets[0].std ?? 0, 0.565685, accuracy: 1e-5)
    }

    /// Reference defect 5: a failed run never wins, whatever the direction.
    func testFailedTrialsNeverWin() {
        for direction in [Direction.minimize, .maximize] {
            var study = Study(info: StudyInfo(spec: StudySpec(studyName: "s", maxTrials: 2, nJobs: 1, direction: direction, space: SearchSpace([])),
                                              sweepDir: "", stopFile: "", pauseFile: "", startedAt: Date()))
            run(&study, 0, paramSet: 0, ["c": .int(0)], score: nil, state: .failed)
            run(&study, 1, paramSet: 1, ["c": .int(1)], score: -5)
            XCTAssertEqual(study.best?.paramSet, 1)
            XCTAssertEqual(study.observations.count, 1)
        }
    }

    func testOnlyTrialsLostWithTheirEngineGiveBackTheirPlaceInTheBudget() {
        var study = Study()
        let t = Date(timeIntervalSince1970: 1_790_000_000)
        for n in 0..<4 {
            study.apply(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: ["x": .float(Double(n))],
                                              runDir: "/tmp/\(n)", command: ["job"], startedAt: t)))
        }
        study.apply(.finished(.lostWithEngine(number: 0, detail: "it never sent a heartbeat", at: t)))
        study.apply(.finished(TrialOutcome(number: 1, state: .failed, score: nil, reason: "exit status 1", exitStatus: 1,
                                           signal: nil, endedAt: t)))
        study.apply(.finished(TrialOutcome(number: 2, state: .complete, score: 1, reason: nil, exitStatus: 0, signal: nil,
                                           endedAt: t)))
        XCTAssertEqual(study.lostCount, 1)
        XCTAssertEqual(study.budgetUsed, 3, "the failed job and the running one count, the lost one does not")
        XCTAssertTrue(study.trials[0].outcome?.wasLostWithEngine == true)
        XCTAssertFalse(study.trials[1].outcome?.wasLostWithEngine == true)
    }
}
