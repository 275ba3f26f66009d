import Foundation
import XCTest
@testable import HyperOpt

final class PrunerTests: XCTestCase {
    private func trial(_ number: Int, _ curve: [Double]) -> TrialRecord {
        var t = TrialRecord(launch: TrialLaunch(number: number, paramSet: number, repeatIndex: 0, params: [:], runDir: "", command: [], startedAt: Date()))
        t.metrics = MetricSeries(curve.enumerated().map { MetricRow(step: $0.offset, values: ["c": $0.element]) })
        return t
    }

    func testPrunesACurveBelowTheMedianOnlyAfterStartupAndWarmup() {
        let done = [trial(0, [0.5, 0.6, 0.7]), trial(1, [0.4, 0.5, 0.6]), trial(2, [0.6, 0.7, 0.8])]
        let p = MedianPruner(options: MedianPrunerOptions(nStartupTrials: 3, nWarmupSteps: 1), direction: .maximize, criterion: "c")
        XCTAssertNil(p.reasonToPrune(trial(9, [0.1]), completed: done), "still warming up")
        XCTAssertNotNil(p.reasonToPrune(trial(9, [0.1, 0.2]), completed: done))
        XCTAssertNil(p.reasonToPrune(trial(9, [0.1, 0.6]), completed: done), "at the median is not worse")
        XCTAssertNil(p.reasonToPrune(trial(9, [0.1, 0.2]), completed: Array(done.prefix(2))), "too few completed trials")
    }

    func testMinimizeComparesTheOtherWay() {
        let done = [trial(0, [1.0]), trial(1, [2.0]), trial(2, [3.0])]
        let p = MedianPruner(options: MedianPrunerOptions(nStartupTrials: 3), direction: .minimize, criterion: "c")
        XCTAssertNotNil(p.reasonToPrune(trial(9, [5.0]), completed: done))
        XCTAssertNil(p.reasonToPrune(trial(9, [0.5]), completed: done))
    }

    func testPrunerConfig() throws {
        let yaml = "hydra:\n  sweeper:\n    study_name: s\n    max_trials: 3\n    pruner: {type: median, n_startup_trials: 2, n_warmup_steps: 1}\n    search_space:\n      x: {type: float, low: 0, high: 1}\n"
        XCTAssertEqual(try ConfigLoader.parse(yaml, path: "p.yaml").pruner, .median(MedianPrunerOptions(nStartupTrials: 2, nWarmupSteps: 1)))
        XCTAssertThrowsError(try ConfigLoader.parse(yaml.replacingOccurrences(of: "type: median", with: "type: hyperband"), path: "p.yaml"))
    }
}
