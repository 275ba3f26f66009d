import XCTest
@testable import ReachLearner

/// End-to-end runs of the command, small enough for a debug build.
final class TrainerTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reach-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A tiny network and batch so that a debug build trains in seconds.
    private let small = ["env=Reach2D-v0", "++algorithm.hidden_size=32", "++algorithm.batch_size=32", "n_test_rollouts=10"]

    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var progress: String
        var metrics: String
    }

    private func run(_ arguments: [String], in name: String, environment extra: [String: String] = [:]) throws -> Run {
        let trialDirectory = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: trialDirectory, withIntermediateDirectories: true)
        let metrics = trialDirectory.appendingPathComponent("metrics.jsonl")
        var out = "", err = ""
        let status = TrainerCommand.main(
            arguments: arguments,
            environment: ["HYPERTOP_TRIAL_DIR": trialDirectory.path, "HYPERTOP_METRICS": metrics.path].merging(extra) { $1 },
            currentDirectory: directory.path, standardOutput: { out += $0 }, standardError: { err += $0 })
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return Run(status: status, stdout: out, stderr: err,
                   progress: read(trialDirectory.appendingPathComponent("progress.csv")), metrics: read(metrics))
    }

    func testSameSeedSameBytesAndAnotherSeedAnotherCurve() throws {
        let arguments = small + ["n_epochs=2", "eval_after_n_steps=150", "algorithm.learning_starts=100", "early_stop_threshold=2"]
        let a = try run(arguments + ["seed=4"], in: "a")
        let b = try run(arguments + ["seed=4"], in: "b")
        let c = try run(arguments + ["seed=5"], in: "c")
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.progress.split(separator: "\n").count, 3, "a header and one row per epoch")
        XCTAssertEqual(a.progress, b.progress)
        XCTAssertEqual(a.metrics, b.metrics)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertNotEqual(a.progress, c.progress)
        let fromSweep = try run(arguments, in: "d", environment: ["HYPERTOP_TRIAL_SEED": "4"])
        XCTAssertEqual(fromSweep.progress, a.progress, "the sweep's trial seed is the default seed")
        XCTAssertTrue(fromSweep.stderr.contains("seed 4 (from HYPERTOP_TRIAL_SEED)"), fromSweep.stderr)
        let overridden = try run(arguments + ["seed=5"], in: "e", environment: ["HYPERTOP_TRIAL_SEED": "4"])
        XCTAssertEqual(overridden.progress, c.progress, "seed= wins over the sweep's seed")
        let bad = try run(arguments, in: "f", environment: ["HYPERTOP_TRIAL_SEED": "x"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("HYPERTOP_TRIAL_SEED"), bad.stderr)
    }

    func testEachEvaluationIsLoggedThreeWays() throws {
        let r = try run(small + ["seed=1", "n_epochs=2", "eval_after_n_steps=150", "early_stop_threshold=2"], in: "log")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.progress.split(separator: "\n")
        XCTAssertEqual(rows.first.map(String.init), TrainingMetrics.keys.joined(separator: ","))
        XCTAssertEqual(rows.count, 3)
        let lines = r.metrics.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["time/total_timesteps"] as? Int, 150)
        XCTAssertEqual(Set(first.keys), Set(TrainingMetrics.keys))
        XCTAssertEqual(r.stdout.components(separatedBy: "|    success_rate ").count, 3, "two tables on stdout")
        XCTAssertFalse(r.stdout.contains("="), "stdout carries only the tables, no key=value notes")
        XCTAssertTrue(r.stderr.contains("seed 1"), r.stderr)
    }

    func testEarlyStopWhenTheMeanOfTheLastValuesReachesTheThreshold() throws {
        // Mean reward is at least -50, so a threshold of -1000 holds from the first value on.
        let stop = try run(small + ["seed=1", "n_epochs=5", "eval_after_n_steps=100", "early_stop_data_column=eval/mean_reward",
                                    "early_stop_threshold=-1000", "early_stop_last_n=2"], in: "stop")
        XCTAssertEqual(stop.status, 0)
        XCTAssertEqual(stop.progress.split(separator: "\n").count, 3, "stops after early_stop_last_n epochs")
        XCTAssertTrue(stop.stderr.contains("stopped early"), stop.stderr)

        var config = TrainingConfig()
        config.earlyStopThreshold = 0.5
        config.earlyStopLastN = 3
        let trainer = Trainer(config: config, seed: 0)
        XCTAssertFalse(trainer.shouldStopEarly([1, 1]), "not before early_stop_last_n values")
        XCTAssertTrue(trainer.shouldStopEarly([0, 0.4, 0.5, 0.6]))
        XCTAssertFalse(trainer.shouldStopEarly([1, 0.4, 0.5, 0.59]))
        XCTAssertFalse(trainer.shouldStopEarly([.nan, 1, 1]), "a missing value never stops a run")
    }

    func testBadOverridesExitWithStatus2AndOneLineOnStderr() throws {
        let r = try run(["++algorithm.lerning_rate=0.1"], in: "bad")
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1)
        XCTAssertTrue(r.stderr.contains("'++algorithm.lerning_rate=0.1'") && r.stderr.contains("algorithm.learning_rate"), r.stderr)
        XCTAssertEqual(r.progress, "", "nothing is written")
    }

    func testHelpExitsWithStatus0() throws {
        let r = try run(["--help"], in: "help")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("usage: reach-trainer"))
        for key in JobKey.allCases { XCTAssertTrue(r.stdout.contains("\n  \(key.rawValue) "), key.rawValue) }
    }

    func testCannotWriteTheRunDirectoryExitsWithStatus1() {
        var err = ""
        let status = TrainerCommand.main(arguments: ["seed=1"], environment: ["HYPERTOP_TRIAL_DIR": "/nonexistent/run"],
                                         currentDirectory: "/", standardOutput: { _ in }, standardError: { err += $0 })
        XCTAssertEqual(status, 1)
        XCTAssertTrue(err.contains("/nonexistent/run/progress.csv"), err)
    }

    /// The learning test: good parameters take the policy far above a random one within 3000 steps.
    func testGoodParametersLearnToReach() throws {
        let env = try XCTUnwrap(ReachEnvironment.named("Reach2D-v0"))
        let random = randomPolicySuccessRate(env, episodes: 400, seed: 7)
        let r = try run(small + ["seed=3", "n_epochs=6", "eval_after_n_steps=500", "++algorithm.learning_rate=0.003",
                                 "early_stop_threshold=0.8", "early_stop_last_n=1", "n_test_rollouts=20"], in: "learn")
        XCTAssertEqual(r.status, 0, r.stderr)
        let column = try XCTUnwrap(TrainingMetrics.keys.firstIndex(of: "eval/success_rate"))
        let curve = r.progress.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[column]) }
        XCTAssertLessThanOrEqual(curve.first ?? 1, 0.2, "starts near zero: \(curve)")
        XCTAssertGreaterThanOrEqual(curve.last ?? 0, max(0.6, random + 0.5), "curve \(curve), random policy \(random)")
    }
}
