import Foundation
import TestSupport
import XCTest

/// The real `hypertop run` with its dashboard in a tmux pane, on a small sweep of the test job.
final class DashboardEndToEndTests: XCTestCase {
    var dir: String!
    var pane: TmuxPane!

    override func setUpWithError() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        let binary = CLITests.productsDirectory.appendingPathComponent("hypertop").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw missingTool("hypertop binary not built at \(binary)") }
        dir = NSTemporaryDirectory() + "dash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        pane = TmuxPane(prefix: "hypertop-e2e")
    }

    override func tearDownWithError() throws {
        pane = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func expect(_ text: String, seconds: Double = 8, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (found, screen) = try pane.waitFor(text, seconds: seconds)
        XCTAssertTrue(found, "'\(text)' never appeared; the screen:\n\(screen)", file: file, line: line)
        return screen
    }

    func testKeysDriveARealSweep() throws {
        let config = """
        hydra:
          sweeper:
            study_name: e2e
            max_trials: 6
            n_jobs: 2
            direction: maximize
            sampler: random
            seed: 4
            command: [\(CLITests.job)]
            search_space:
              ++x: {type: float, low: 0.1, high: 0.9}
              ++sleep: {type: categorical, choices: [0.5]}
              ++epochs: {type: categorical, choices: [6]}
        """
        try config.write(toFile: dir + "/e2e-opti.yaml", atomically: true, encoding: .utf8)
        let binary = CLITests.productsDirectory.appendingPathComponent("hypertop").path
        try pane.start("cd \(dir!) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(binary) run e2e-opti.yaml --refresh 5; echo EXITED; sleep 60")
        _ = try expect("score by parameter", seconds: 15)
        // The refresh is 5 s: each change below must show at once, not on the next tick.
        try pane.keys("j", "Enter")
        _ = try expect("command", seconds: 2)
        try pane.keys("Escape")
        _ = try expect("score by parameter", seconds: 2)
        try pane.keys("p")
        _ = try expect("PAUSED", seconds: 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/hyperopt_paused"), "p creates the pause file")
        try pane.keys("p")
        let stopFile = dir + "/delete_me_to_stop_hyperopt"
        XCTAssertTrue(FileManager.default.fileExists(atPath: stopFile))
        try pane.keys("s")
        _ = try expect("STOPPING", seconds: 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stopFile), "s deletes the stop file, as a user in a shell would")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/hyperopt_paused"), "the second p removed the pause file")
        // Re-creating the stop file from a shell cancels the stop within a second or two.
        try "again".write(toFile: stopFile, atomically: true, encoding: .utf8)
        _ = try expect("RUNNING", seconds: 3)
        try pane.keys("s")
        _ = try expect("STOPPING", seconds: 2)
        _ = try expect("DONE", seconds: 20)
        try pane.keys("q")
        let end = try expect("EXITED", seconds: 10)
        XCTAssertTrue(end.contains("Best parameters: {'++x': "), end)
        XCTAssertFalse(end.contains("score by parameter"), "the shell's screen is back")
        let log = try String(contentsOfFile: dir + "/data/e2e/hypertop.log", encoding: .utf8)
        XCTAssertTrue(log.contains("Launching jobs, sweep output dir"), "log lines went to the sweep directory's log file")
    }
}
