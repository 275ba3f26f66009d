import Foundation
import HyperOpt
import TestSupport
import XCTest
@testable import SweepEngine

/// Builders shared by the store tests: a temp directory per test, a small study's events, and
/// the Python interpreter that has optuna (for the interop tests).
enum StoreFixtures {
    static func tempDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hypertop-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Python prints floats as `float.hex()` strings: Foundation's JSON parser rounds some decimals.
    static func hexDouble(_ any: Any?) -> Double? {
        (any as? String).flatMap(Double.init)
    }

    static let space = SearchSpace([
        Parameter(name: "++algorithm.learning_rate", distribution: .float(low: 1e-4, high: 5e-3, log: true, step: nil)),
        Parameter(name: "++algorithm.batch_size", distribution: .int(low: 16, high: 256, log: true, step: 1)),
        Parameter(name: "++algorithm.critic_select", distribution: .categorical(choices: [.string("min"), .string("max"), .null, .int(3)])),
        Parameter(name: "++algorithm.tau", distribution: .float(low: 0, high: 1, log: false, step: 0.25)),
    ])

    static func info(name: String = "reach", direction: Direction = .maximize, dir: URL) -> StudyInfo {
        let spec = StudySpec(studyName: name, maxTrials: 8, nJobs: 2, direction: direction, space: space,
                             criterion: "eval/success_rate", configPath: dir.appendingPathComponent("sac-opti.yaml").path)
        return StudyInfo(spec: spec, sweepDir: dir.path, stopFile: dir.appendingPathComponent("delete_me_to_stop_hyperopt").path,
                         pauseFile: dir.appendingPathComponent("pause_hyperopt").path,
                         startedAt: Date(timeIntervalSince1970: 1_790_000_000.25))
    }

    static func params(_ i: Int) -> Params {
        [
            "++algorithm.learning_rate": .float(1e-4 * Double(i + 1) * 1.37),
            "++algorithm.batch_size": .int(16 << (i % 4)),
            "++algorithm.critic_select": [.string("min"), .string("max"), .null, .int(3)][i % 4],
            "++algorithm.tau": .float(Double(i % 5) * 0.25),
        ]
    }

    static func launch(_ number: Int, paramSet: Int? = nil, repeatIndex: Int = 0, at t: Double = 0) -> TrialLaunch {
        TrialLaunch(number: number, paramSet: paramSet ?? number, repeatIndex: repeatIndex, params: params(paramSet ?? number),
                    runDir: "/tmp/sweep/\(number)", command: ["reach-trainer", "++algorithm.tau=\(number)", "a b,\"c\""],
                    startedAt: Date(timeIntervalSince1970: 1_790_000_010 + t + Double(number)))
    }

    static func rows(_ count: Int, base: Double, withStep: Bool = true) -> [MetricRow] {
        (0..<count).map { (i: Int) -> MetricRow in
            let x = Double(i)
            let values: [String: Double] = ["eval/success_rate": base + x * 0.1, "train/loss": 1.0 / (x + 1), "time/fps": 512]
            return MetricRow(step: withStep ? (i + 1) * 1000 : nil, values: values)
        }
    }

    static func outcome(_ number: Int, _ state: TrialState, score: Double?, reason: String? = nil, at t: Double = 100) -> TrialOutcome {
        TrialOutcome(number: number, state: state, score: score, reason: reason, exitStatus: state == .failed ? 1 : 0,
                     signal: nil, endedAt: Date(timeIntervalSince1970: 1_790_000_010 + t + Double(number)))
    }

    /// Five trials: complete, pruned, failed, complete (repeat of set 0), still running.
    static func sampleEvents() -> [EngineEvent] {
        [
            .launched(launch(0)), .launched(launch(1)),
            .metrics(trial: 0, rows: rows(2, base: 0.1)), .metrics(trial: 1, rows: rows(1, base: 0.0, withStep: false)),
            .output(trial: 0, stream: .stdout, lines: ["| eval/ | |"]),
            .metrics(trial: 0, rows: rows(1, base: 0.5)),
            .finished(outcome(0, .complete, score: 0.75)),
            .finished(outcome(1, .pruned, score: nil, reason: "pruned at step 0")),
            .launched(launch(2)), .metrics(trial: 2, rows: rows(1, base: 0.2)),
            .finished(outcome(2, .failed, score: nil, reason: "exit status 1")),
            .launched(launch(3, paramSet: 0, repeatIndex: 1)), .metrics(trial: 3, rows: rows(3, base: 0.3)),
            .finished(outcome(3, .complete, score: 0.5)),
            .phase(.stopping, reason: "stop file deleted"),
            .message("stop requested", at: Date(timeIntervalSince1970: 1_790_000_200)),
            .launched(launch(4)), .metrics(trial: 4, rows: rows(2, base: 0.0)),
        ]
    }

    static func study(_ info: StudyInfo, _ events: [EngineEvent]) -> Study {
        var s = Study()
        s.apply(.started(info))
        for e in events { s.apply(e) }
        return s
    }

    static func python() throws -> String { try optunaPython() }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in dir: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProgram(executable, arguments, in: dir)
    }

    /// Runs a Python snippet with optuna; fails the test with its stderr when it fails.
    static func python(_ script: String, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let py = try python()
        let scriptURL = dir.appendingPathComponent("snippet-\(UUID().uuidString).py")
        try Data(script.utf8).write(to: scriptURL)
        let result = try run(py, [scriptURL.path], in: dir)
        XCTAssertEqual(result.status, 0, "python failed: \(result.stderr)", file: file, line: line)
        return result.stdout
    }
}
