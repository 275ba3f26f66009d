import DashboardCore
import Foundation
import HyperOpt
import XCTest

final class ParamSummaryTests: XCTestCase {
    private func study(direction: Direction, _ trials: [(Params, Double?)]) -> Study {
        let space = SearchSpace([
            Parameter(name: "++critic_select", distribution: .categorical(choices: [.string("min"), .string("max"), .string("mean")])),
            Parameter(name: "++tau", distribution: .float(low: 0, high: 1, log: false, step: nil)),
        ])
        var spec = Fixture.spec()
        spec.space = space
        spec.direction = direction
        var study = Study(info: StudyInfo(spec: spec, sweepDir: "", stopFile: "", pauseFile: "", startedAt: Fixture.t0))
        for (i, (params, score)) in trials.enumerated() {
            study.apply(.launched(TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: params, runDir: "", command: [],
                                              startedAt: Fixture.t0)))
            study.apply(.finished(TrialOutcome(number: i, state: score == nil ? .failed : .complete, score: score,
                                               reason: nil, exitStatus: 0, signal: nil, endedAt: Fixture.t0)))
        }
        return study
    }

    private func p(_ critic: String, _ tau: Double) -> Params {
        ["++critic_select": .string(critic), "++tau": .float(tau)]
    }

    func testCategoricalChoicesGetMeanStdAndCountAndTheBestIsMarked() {
        let s = study(direction: .maximize, [(p("min", 0.1), 0.8), (p("min", 0.2), 0.6), (p("max", 0.3), 0.3), (p("max", 0.4), nil)])
        let critic = ParamSummary.compute(s)[0]
        XCTAssertEqual(critic.name, "critic_select")
        XCTAssertEqual(critic.bins.map(\.label), ["min", "max", "mean"], "every choice, tried or not, in config order")
        XCTAssertEqual(critic.bins.map(\.n), [2, 1, 0], "the failed trial has no score")
        XCTAssertEqual(critic.bins[0].mean ?? 0, 0.7, accuracy: 1e-12)
        XCTAssertEqual(critic.bins[0].std ?? 0, 0.1414213562, accuracy: 1e-9)
        XCTAssertEqual(critic.bins[1].std, 0)
        XCTAssertNil(critic.bins[2].mean)
        XCTAssertEqual(critic.best, 0)
    }

    func testTheBestBinFollowsTheDirection() {
        let s = study(direction: .minimize, [(p("min", 0.1), 0.8), (p("max", 0.3), 0.3)])
        XCTAssertEqual(ParamSummary.compute(s)[0].best, 1)
    }

    func testNumericParametersAreBinnedByQuantiles() {
        let trials = (0..<8).map { i in (p("min", Double(i) / 10), Double(i)) }
        let tau = ParamSummary.compute(study(direction: .maximize, trials))[1]
        XCTAssertEqual(tau.bins.map(\.label), ["0..0.1", "0.2..0.3", "0.4..0.5", "0.6..0.7"])
        XCTAssertEqual(tau.bins.map(\.n), [2, 2, 2, 2])
        XCTAssertEqual(tau.bins.map(\.mean), [0.5, 2.5, 4.5, 6.5])
        XCTAssertEqual(tau.best, 3)
    }

    func testEqualValuesNeverStraddleTwoBins() {
        let values = [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
        let tau = ParamSummary.compute(study(direction: .maximize, values.map { (p("min", $0), $0) }))[1]
        XCTAssertEqual(tau.bins.first?.label, "0.1")
        XCTAssertEqual(tau.bins.first?.n, 5)
        XCTAssertEqual(tau.bins.map(\.n).reduce(0, +), 10)
    }

    func testFewDistinctValuesAreShownOneByOne() {
        let s = study(direction: .maximize, [(p("min", 0.5), 1), (p("min", 0.25), 2), (p("min", 0.5), 3)])
        XCTAssertEqual(ParamSummary.compute(s)[1].bins.map(\.label), ["0.25", "0.5"])
    }
}
