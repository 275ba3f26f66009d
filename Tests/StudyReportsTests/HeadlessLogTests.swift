import XCTest
@testable import StudyReports
import HyperOpt

final class HeadlessLogTests: XCTestCase {
    func testTrialLinesAreTheSameInTheLogAndInWatchsSnapshot() {
        XCTAssertEqual(HeadlessLog.trialText(number: 3, state: .complete, score: 0.5, reason: nil), "Trial #3 COMPLETE: score 0.5")
        XCTAssertEqual(HeadlessLog.trialText(number: 4, state: .failed, score: nil, reason: "exit status 1"),
                       "Trial #4 FAIL: exit status 1")
        XCTAssertEqual(HeadlessLog.trialText(number: 5, state: .pruned, score: nil, reason: nil), "Trial #5 PRUNED: no reason given")
        XCTAssertEqual(HeadlessLog.trialText(number: 6, state: .running, score: nil, reason: nil), "Trial #6 RUNNING")

        // The live log says the same, plus how long the trial took.
        var log = HeadlessLog()
        let start = Date(timeIntervalSince1970: 1_790_000_014)
        _ = log.lines(for: .launched(TrialLaunch(number: 4, paramSet: 4, repeatIndex: 0, params: [:], runDir: "/tmp/sweep/4", command: ["job"],
                                                 startedAt: start)))
        let line = log.lines(for: .finished(TrialOutcome(number: 4, state: .failed, score: nil, reason: "exit status 1", exitStatus: 1, signal: nil,
                                                         endedAt: start.addingTimeInterval(12.5))))
        XCTAssertEqual(line.count, 1)
        XCTAssertTrue(line[0].hasSuffix("][HYPERTOP] Trial #4 FAIL: exit status 1 in 12.5s"), line[0])
    }

    /// The launch line names the sampled values only, not the overrides every trial shares.
    func testLaunchLineShowsTheSampledValues() {
        var log = HeadlessLog()
        let launch = TrialLaunch(number: 2, paramSet: 1, repeatIndex: 1, params: ["++lr": .float(0.001), "net": .list([.int(8)])], runDir: "/r/2",
                                 command: ["python", "src/main.py", "algorithm=sac", "++n_epochs=5", "++lr=0.001", "net=[8]",
                                           "hydra.run.dir=/r/2", "++hydra.callbacks.hypertop._target_=hypertop_hydra.ReturnValue"],
                                 startedAt: Date(timeIntervalSince1970: 0))
        let line = log.lines(for: .launched(launch))
        XCTAssertEqual(line.count, 1)
        // Repeats numbered as the table's `rep` column numbers them.
        XCTAssertTrue(line[0].hasSuffix("][HYPERTOP] \t#2 : ++lr=0.001 net=[8] (rep 1 of set 1)"), line[0])
    }

    /// A run with nothing sampled (a performance test's) says it launched, not `#0 : `; the CPUs
    /// and GPUs a trial got are on its line.
    func testLaunchLineOfARunWithoutSampledValuesAndItsPlacement() {
        var log = HeadlessLog()
        var launch = TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: [:], runDir: "/r/0",
                                 command: ["python", "src/main.py", "++n_epochs=4"], startedAt: Date(timeIntervalSince1970: 0))
        launch.placement = ResourcePool.Placement(cpus: [2, 3], gpus: ["1"])
        let line = log.lines(for: .launched(launch))
        XCTAssertEqual(line.count, 1)
        XCTAssertTrue(line[0].hasSuffix("][HYPERTOP] Trial #0 launched on CPUs 2-3, GPU 1"), line[0])
    }

    /// The log follows each trial: a line per new evaluation of the criterion, at most one per
    /// trial every few seconds for a chatty job, and a status line when nothing happened for a while.
    func testTheLogFollowsEachTrialsCriterionAndSpeaksWhenQuiet() {
        var spec = StudySpec(studyName: "s", maxTrials: 4, nJobs: 2, direction: .maximize, space: SearchSpace([]))
        spec.nEpochs = 5
        let t0 = Date(timeIntervalSince1970: 1_000)
        var log = HeadlessLog()
        XCTAssertEqual(log.lines(for: .started(StudyInfo(spec: spec, sweepDir: "d", stopFile: "s", pauseFile: "p", startedAt: t0)), now: t0), [])
        _ = log.lines(for: .launched(TrialLaunch(number: 3, paramSet: 0, repeatIndex: 0, params: [:], runDir: "d/3",
                                                 command: ["python", "n_epochs=5", "++n_epochs=3"], startedAt: t0)), now: t0)
        func row(_ v: Double) -> MetricRow { MetricRow(step: nil, values: ["eval/success_rate": v, "train/loss": 1]) }
        let first = log.lines(for: .metrics(trial: 3, rows: [row(0.25)]), now: t0.addingTimeInterval(1))
        XCTAssertEqual(first.count, 1)
        XCTAssertTrue(first[0].hasSuffix("][HYPERTOP] Trial #3 epoch 1/3: eval/success_rate 0.25"), "the trial's own epoch cap: \(first)")
        XCTAssertEqual(log.lines(for: .metrics(trial: 3, rows: [MetricRow(step: nil, values: ["train/loss": 0.5])]), now: t0.addingTimeInterval(2)), [],
                       "no criterion, no line")
        XCTAssertEqual(log.lines(for: .metrics(trial: 3, rows: [row(0.5)]), now: t0.addingTimeInterval(3)), [], "throttled")
        let later = log.lines(for: .metrics(trial: 3, rows: [row(0.75)]), now: t0.addingTimeInterval(7))
        XCTAssertTrue(later.first?.hasSuffix("Trial #3 epoch 3/3: eval/success_rate 0.75") == true, "counts what the throttle held: \(later)")
        XCTAssertNil(log.quietLine(now: t0.addingTimeInterval(60)), "not quiet for long yet")
        let quiet = log.quietLine(now: t0.addingTimeInterval(7 + 180))
        XCTAssertTrue(quiet?.hasSuffix("][HYPERTOP] Still going: 1 running (#3 epoch 3/3 eval/success_rate 0.75), 0 finished; no score yet") == true,
                      quiet ?? "nil")
        XCTAssertNil(log.quietLine(now: t0.addingTimeInterval(7 + 200)), "once per quiet spell")
        _ = log.lines(for: .finished(TrialOutcome(number: 3, state: .complete, score: 0.6, reason: nil, exitStatus: 0, signal: nil,
                                                  endedAt: t0.addingTimeInterval(300))), now: t0.addingTimeInterval(300))
        _ = log.lines(for: .queued(trial: 4, reason: "Priority", at: t0.addingTimeInterval(300)), now: t0.addingTimeInterval(300))
        let after = log.quietLine(now: t0.addingTimeInterval(500))
        XCTAssertTrue(after?.hasSuffix("Still going: 0 running, 1 queued, 1 finished; best score so far 0.6 (trial #3)") == true, after ?? "nil")
    }
}
