import Foundation
import TestSupport
import XCTest

/// Runs the real `hypertop` binary, as a user would.
final class CLITests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let job = packageRoot.appendingPathComponent("Tests/SweepEngineTests/Fixtures/job.sh").path

    /// The binaries `swift test` built next to the test bundle.
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let binary = Self.productsDirectory.appendingPathComponent("hypertop").path
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: binary), "hypertop binary not built at \(binary)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    func start(_ args: [String]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = Self.productsDirectory.appendingPathComponent("hypertop")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    func run(_ args: [String], timeout: Double = 60) throws -> Output {
        let (p, out, err) = try start(args)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return Output(status: p.terminationStatus,
                      stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                      stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func config(maxTrials: Int = 4, nJobs: Int = 2, space: String) -> String {
        """
        # @package _global_
        n_epochs: 2
        hydra:
          sweeper:
            study_name: cli
            max_trials: \(maxTrials)
            n_jobs: \(nJobs)
            direction: maximize
            sampler: random
            seed: 3
            command: [\(Self.job)]
            search_space:
        \(space)
        """
    }

    func testHeadlessRunPrintsBestAndWritesResults() throws {
        _ = try write("s-opti.yaml", config(space: "      ++x: {type: float, low: 0.1, high: 0.9}\n      ++epochs: {type: int, low: 1, high: 2}"))
        let r = try run(["run", "--headless", "s-opti.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Launching jobs, sweep output dir : \(URL(fileURLWithPath: dir).standardizedFileURL.path)/data/cli"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Best parameters: {'++x': "), r.stdout)
        XCTAssertTrue(r.stdout.contains("Best value: "), r.stdout)
        let results = try String(contentsOfFile: dir + "/data/cli/optimization_results.yaml", encoding: .utf8)
        XCTAssertTrue(results.hasPrefix("name: \"cli\"\nbest_params:\n  \"++x\": "), results)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/delete_me_to_stop_hyperopt"), "the stop file is removed at the end")
    }

    func testConfigErrorIsOneLineWithFileAndLineAndExitStatus2() throws {
        let path = try write("bad-opti.yaml", config(space: "      ++x: {type: float, low: 2, high: 1}"))
        let r = try run(["run", "--headless", path])
        XCTAssertEqual(r.status, 2)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("hypertop: error: \(path):13: parameter `++x`: low (2.0) is greater than high (1.0)."), r.stderr)
    }

    func testMissingJobCommandIsAClearError() throws {
        let path = try write("nojob-opti.yaml", config(space: "      ++x: {type: float, low: 0, high: 1}").replacingOccurrences(of: Self.job, with: "no-such-trainer-xyz"))
        let r = try run(["run", "--headless", path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("`no-such-trainer-xyz` is not found in PATH"), r.stderr)
    }

    /// Ctrl-C once stops launching; twice terminates every job group. No job outlives hypertop.
    func testCtrlCTwiceLeavesNoJobProcess() throws {
        _ = try write("slow-opti.yaml", config(maxTrials: 6, space: "      ++sleep: {type: categorical, choices: [30]}\n      ++x: {type: float, low: 0, high: 1}"))
        let (p, out, _) = try start(["run", "--headless", "slow-opti.yaml"])
        let pids = [dir + "/data/cli/0/pid", dir + "/data/cli/1/pid"]
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !pids.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) { usleep(20_000) }
        XCTAssertTrue(pids.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "both jobs started")
        kill(p.processIdentifier, SIGINT)
        usleep(300_000)
        XCTAssertTrue(p.isRunning, "the first Ctrl-C lets running jobs finish")
        kill(p.processIdentifier, SIGINT)
        let end = Date().addingTimeInterval(15)
        while p.isRunning && Date() < end { usleep(20_000) }
        XCTAssertFalse(p.isRunning, "hypertop did not exit after the second Ctrl-C")
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.contains("Trial #0 FAIL: killed by Ctrl-C"), text)
        for path in pids {
            let pid = Int32((try String(contentsOfFile: path, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertEqual(liveProcesses(inGroup: pid), [], "job group \(pid) outlived hypertop")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/data/cli/2"), "no trial was launched after Ctrl-C")
    }

    func performanceTest(evalValue: Double) -> String {
        """
        # @package _global_
        eval_after_n_steps: 100
        performance_testing_conditions:
          total_runs: 3
          succ_runs: 2
          eval_columns: eval/success_rate
          eval_value: \(evalValue)
          max_steps: 300
        hydra:
          sweeper:
            n_jobs: 3
            command: [\(Self.job)]
        """
    }

    func testPerformanceTestPassesWhenEnoughRunsReachTheValue() throws {
        _ = try write("p-test.yaml", performanceTest(evalValue: 0.4))
        let r = try run(["test", "p-test.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Performance test p-test successful!"), r.stdout)
        let args = try String(contentsOfFile: dir + "/data/p-test/0/args.txt", encoding: .utf8)
        XCTAssertEqual(args, "n_epochs=3\n", "n_epochs = max_steps / eval_after_n_steps")
    }

    func testPerformanceTestFailsWithExitStatus1() throws {
        _ = try write("p-test.yaml", performanceTest(evalValue: 0.6))
        let r = try run(["test", "p-test.yaml"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Performance test p-test failed: 0 of"), r.stdout)
    }
}
