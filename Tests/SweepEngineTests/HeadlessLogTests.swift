import XCTest
import HyperOpt
@testable import SweepEngine

final class HeadlessLogTests: XCTestCase {
    func testTrialLinesAreTheSameInTheLogAndInWatchsSnapshot() {
        XCTAssertEqual(HeadlessLog.trialText(number: 3, state: .complete, score: 0.5, reason: nil), "Trial #3 COMPLETE: score 0.5")
        XCTAssertEqual(HeadlessLog.trialText(number: 4, state: .failed, score: nil, reason: "exit status 1"),
                       "Trial #4 FAIL: exit status 1")
        XCTAssertEqual(HeadlessLog.trialText(number: 5, state: .pruned, score: nil, reason: nil), "Trial #5 PRUNED: no reason given")
        XCTAssertEqual(HeadlessLog.trialText(number: 6, state: .running, score: nil, reason: nil), "Trial #6 RUNNING")

        // The live log says the same, plus how long the trial took.
        var log = HeadlessLog()
        _ = log.lines(for: .launched(StoreFixtures.launch(4, at: 0)))
        let line = log.lines(for: .finished(StoreFixtures.outcome(4, .failed, score: nil, reason: "exit status 1", at: 12.5)))
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
}
