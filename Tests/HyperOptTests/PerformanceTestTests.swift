import Foundation
import XCTest
@testable import HyperOpt

final class PerformanceTestTests: XCTestCase {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "perf-\(UUID().uuidString)/conf/performance/Reach/sac-test.yaml"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testScilabTestFileLoads() throws {
        let path = try file("""
        # @package _global_
        defaults:
          - override /algorithm: sac
        env: 'FetchReach-v2'
        eval_after_n_steps: 2000
        performance_testing_conditions:
          total_runs: 3 # How many runs in total
          succ_runs: 2
          eval_columns: eval/success_rate
          eval_value: 0.9
          max_steps: 10_000
        """)
        let t = try PerformanceTest.load(path: path)
        XCTAssertEqual(t.totalRuns, 3)
        XCTAssertEqual(t.succRuns, 2)
        XCTAssertEqual(t.evalColumn, "eval/success_rate")
        XCTAssertEqual(t.evalValue, 0.9)
        XCTAssertEqual(t.nEpochs, 5)
        XCTAssertEqual(t.name, "sac-test")
        XCTAssertEqual(t.spec.performanceName, "Reach/sac-test")
        XCTAssertEqual(t.spec.minTrialsPerParam, 3)
        XCTAssertEqual(t.spec.space.cardinality, 1)
    }

    func testARunSucceedsWhenItCompletesAtOrAboveTheValue() {
        let test = PerformanceTest(name: "t", totalRuns: 3, succRuns: 2, evalColumn: "eval/success_rate", evalValue: 0.9, maxSteps: nil,
                                   evalAfterNSteps: nil, nJobs: 1, maxDurationMinutes: nil, command: nil, workdir: "data", configPath: "")
        func run(_ state: TrialState, _ score: Double?) -> TrialOutcome {
            TrialOutcome(number: 0, state: state, score: score, reason: nil, exitStatus: 0, signal: nil, endedAt: Date())
        }
        XCTAssertTrue(test.succeeded(run(.complete, 0.9)))
        XCTAssertFalse(test.succeeded(run(.complete, 0.89)))
        XCTAssertFalse(test.succeeded(run(.pruned, 0.95)), "only a completed run counts")
        XCTAssertFalse(test.succeeded(nil))
    }

    func testVerdictIsKnownAsSoonAsItCannotChange() {
        let t = PerformanceTest(name: "t", totalRuns: 3, succRuns: 2, evalColumn: "c", evalValue: 1, maxSteps: nil, evalAfterNSteps: nil,
                                nJobs: 1, maxDurationMinutes: nil, command: nil, workdir: "data", configPath: "")
        XCTAssertNil(t.verdict(successes: 1, finished: 1))
        XCTAssertEqual(t.verdict(successes: 2, finished: 2), true)
        XCTAssertEqual(t.verdict(successes: 0, finished: 2), false, "one run left cannot make two successes")
        XCTAssertNil(t.verdict(successes: 1, finished: 2))
    }

    func testImpossibleConditionIsAnErrorAtItsLine() throws {
        let path = try file("performance_testing_conditions:\n  total_runs: 2\n  succ_runs: 3\n  eval_columns: x\n  eval_value: 1\n")
        XCTAssertThrowsError(try PerformanceTest.load(path: path)) { error in
            let e = error as? ConfigError
            XCTAssertEqual(e?.line, 3)
            XCTAssertTrue(e?.message.contains("could never pass") ?? false, "\(error)")
        }
    }
}
