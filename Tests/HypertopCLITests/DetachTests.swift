import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A study that outlives its terminal: `run --detach`, `attach` in tmux, and the quit dialog's
/// detach, with the real binary and real jobs.
final class DetachTests: XCTestCase {
    var project: SweepProject!
    var panes: [TmuxPane] = []
    let binary = SweepProject.binary

    override func setUpWithError() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        project = try SweepProject("detach")
    }

    override func tearDownWithError() throws {
        panes = []
        // An engine a failed test left behind goes (its jobs with it).
        if project != nil, let pid = pidIn(engineLine()) { kill(pid, SIGTERM) }
        usleep(300_000)
        project?.remove()
    }

    /// The test job over x, 2 at a time, with one sleep and one epoch count.
    func sweep(maxTrials: Int, sleep: Double, epochs: Int = 3) -> SweepFile {
        SweepFile(studyName: "det", maxTrials: maxTrials, nJobs: 2, seed: 2, passConfig: "none", searchSpace: [
            "++x: {type: float, low: 0.1, high: 0.9}", "++sleep: {type: categorical, choices: [\(sleep)]}",
            "++epochs: {type: categorical, choices: [\(epochs)]}"])
    }

    /// Writes d-opti.yaml; returns its full path.
    func writeConfig(maxTrials: Int, sleep: Double, epochs: Int = 3) throws -> String {
        try project.write("d-opti.yaml", sweep(maxTrials: maxTrials, sleep: sleep, epochs: epochs))
    }

    /// The study's line of `studies --list` (its last column says where its engine runs).
    func engineLine() -> String {
        guard let r = try? project.run(["studies", "--list", project.path("data/hypertop.db")]) else { return "" }
        return r.stdout.split(separator: "\n").first { $0.hasPrefix("det ") }.map(String.init) ?? ""
    }

    func pidIn(_ line: String) -> Int32? {
        guard let r = line.range(of: #"running \(pid ([0-9]+) on"#, options: .regularExpression) else { return nil }
        return Int32(line[r].split(separator: " ")[2])
    }

    func pane(_ command: String) throws -> TmuxPane {
        let p = TmuxPane(prefix: "hypertop-detach")
        try p.start("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(command); echo EXITED $?; sleep 120", width: 120, height: 40)
        panes.append(p)
        return p
    }

    func expect(_ pane: TmuxPane, _ text: String, seconds: Double = 10, file: StaticString = #filePath, line: UInt = #line) throws {
        let (found, screen) = try pane.waitFor(text, seconds: seconds)
        XCTAssertTrue(found, "'\(text)' never appeared; the screen:\n\(screen)", file: file, line: line)
    }

    /// `run --detach` returns at once; the engine is in its own session, ignores SIGHUP, and
    /// runs the study to its end after the shell that started it is gone.
    func testRunDetachReturnsAtOnceAndTheStudyGoesOn() throws {
        let config = try writeConfig(maxTrials: 4, sleep: 1)
        let started = Date()
        let r = try runProgram("/bin/bash", ["-c", "\(binary) run --detach \(config); echo shell-done"], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "run --detach returns once the engine has claimed the study")
        XCTAssertTrue(r.stdout.contains("Study det runs detached: process "), r.stdout)
        XCTAssertTrue(r.stdout.contains("Attach:  hypertop attach det --storage \(project.root)/data/hypertop.db"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("shell-done\n"))
        let line = engineLine()
        let pid = try XCTUnwrap(pidIn(line), "studies shows the study running, and where: \(line)")
        XCTAssertEqual(getsid(pid), pid, "the engine leads its own session")
        kill(pid, SIGHUP)
        XCTAssertTrue(waitUntil(60, every: 0.2) { engineLine().hasSuffix("done") }, engineLine())
        XCTAssertTrue(engineLine().range(of: #"^det\s+maximize\s+4\s+4\s"#, options: .regularExpression) != nil,
                      "all 4 trials completed despite the SIGHUP: \(engineLine())")
        let log = try String(contentsOfFile: project.path("data/det/hypertop.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Trials: 4 (4 COMPLETE)"), log)
        XCTAssertFalse(log.contains("SIGHUP"), "a detached engine does not stop for SIGHUP: \(log)")
    }

    /// A second `run --detach` of a study a detached engine runs is refused, and its engine says
    /// why to it alone: nothing of it reaches the running engine's `hypertop.log`.
    func testARefusedDetachedEngineLeavesTheRunningOnesLogAlone() throws {
        let config = try writeConfig(maxTrials: 2, sleep: 2, epochs: 2)
        let first = try runProgram(binary, ["run", "--detach", config], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(first.status, 0, first.stderr)
        let logPath = project.path("data/det/hypertop.log")
        let before = try String(contentsOfFile: logPath, encoding: .utf8)
        XCTAssertTrue(before.contains("Recording in "), "the winner's log holds what it said before it had the study: \(before)")
        let second = try runProgram(binary, ["run", "--detach", "--resume", config], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(second.status, 2, second.stdout + second.stderr)
        XCTAssertTrue(second.stderr.contains("the detached engine ended at once (exit status 2); what it said:"), second.stderr)
        XCTAssertTrue(second.stderr.contains("Study \"det\" is being run by process "), second.stderr)
        XCTAssertFalse(second.stderr.contains("Recording in "), "the refused engine shows its own words, not the winner's log: \(second.stderr)")
        XCTAssertTrue(waitUntil(60, every: 0.2) { engineLine().hasSuffix("done") }, engineLine())
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        XCTAssertTrue(log.contains("Trials: 2 (2 COMPLETE)"), log)
        XCTAssertFalse(log.contains("is being run by process"), "the refused engine wrote into the running one's log: \(log)")
        XCTAssertEqual(log.components(separatedBy: "Recording in ").count, 2, "one engine's start in the log: \(log)")
    }

    /// The engine's own marks (`HYPERTOP_DETACHED`, `HYPERTOP_SUPERVISOR`) stay with it: its
    /// trials' jobs get the environment hypertop was started with, and their own variables.
    func testTheJobsOfADetachedEngineDoNotInheritItsMarks() throws {
        let job = try project.writeScript("env-job.sh", "#!/bin/sh\nenv > \"$HYPERTOP_TRIAL_DIR/env.txt\"\necho '{\"step\": 1, \"eval/success_rate\": 0.5}' >> \"$HYPERTOP_METRICS\"\n")
        var file = sweep(maxTrials: 1, sleep: 0)
        file.command = [job]
        let config = try project.write("d-opti.yaml", file)
        XCTAssertEqual(try project.run(["run", "--detach", config]).status, 0)
        XCTAssertTrue(waitUntil(30, every: 0.2) { engineLine().hasSuffix("done") }, engineLine())
        let env = try String(contentsOfFile: project.path("data/det/0/env.txt"), encoding: .utf8)
        XCTAssertTrue(env.contains("HYPERTOP_TRIAL_DIR="), env)
        XCTAssertFalse(env.contains("HYPERTOP_DETACHED"), env)
        XCTAssertFalse(env.contains("HYPERTOP_SUPERVISOR"), env)
    }

    /// `run --detach`, then `attach` in a pane: `p` pauses the study (its pause file appears),
    /// `x` `y` kill trial 0 through the request files; returns the pane, paused.
    func detachAttachPauseAndKillTrial0(maxTrials: Int, sleep: Double, epochs: Int) throws -> TmuxPane {
        let config = try writeConfig(maxTrials: maxTrials, sleep: sleep, epochs: epochs)
        let r = try project.run(["run", "--detach", config])
        XCTAssertEqual(r.status, 0, r.stderr)
        let p = try pane("\(binary) attach --storage data/hypertop.db")
        try expect(p, "attached RUNNING")
        try p.keys("p")
        try expect(p, "attached PAUSED", seconds: 5)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path("hyperopt_paused")))
        try p.keys("x")
        try expect(p, "kill trial 0?", seconds: 3)
        try p.keys("y")
        try expect(p, "  0 FAIL", seconds: 10)
        return p
    }

    /// Issue 27, M1: Ctrl-Z under `attach` in an interactive shell gives the shell its terminal and
    /// stops attach; `fg` takes the terminal again and repaints it, and nothing typed at the shell
    /// reached the study.
    func testCtrlZThenFgUnderAttachGivesTheShellItsTerminalAndTakesItBack() throws {
        let config = try writeConfig(maxTrials: 4, sleep: 10)
        XCTAssertEqual(try project.run(["run", "--detach", config]).status, 0)
        let p = TmuxPane(prefix: "hypertop-detach")
        panes.append(p)
        try p.start(ShellJobControl.shell)
        try expect(p, "shell>")
        try p.keys("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(binary) attach --storage data/hypertop.db", "Enter")
        try expect(p, "attached RUNNING")
        try ShellJobControl.check(p, dashboard: "attached RUNNING")
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path("delete_me_to_stop_hyperopt")), "the study was not stopped")
        XCTAssertFalse(try p.screen().contains("stop file deleted"))
        try p.keys("q")
        try expect(p, "Detached from study det", seconds: 5)
    }

    /// `attach` shows the live dashboard of a detached study: `p` pauses it, `x` kills a trial
    /// through the request files, `q` detaches, and the study completes.
    func testAttachPausesKillsDetachesAndTheStudyCompletes() throws {
        let p = try detachAttachPauseAndKillTrial0(maxTrials: 4, sleep: 2, epochs: 4)
        try p.keys("p")
        try expect(p, "attached RUNNING", seconds: 5)
        try p.keys("q")
        try expect(p, "Detached from study det: it goes on in process", seconds: 5)
        XCTAssertTrue(waitUntil(90, every: 0.2) { engineLine().hasSuffix("done") }, engineLine())
        let log = try String(contentsOfFile: project.path("data/det/hypertop.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Trial #0 FAIL: killed by the user (from hypertop attach)"), log)
        XCTAssertTrue(log.contains("Trials: 4 (3 COMPLETE, 1 FAIL)"), log)
    }

    /// `r`, `+` and `e` from `attach` reach the detached engine through its request files: the
    /// killed trial's set runs again, the selected set gets two more runs, the typed set runs,
    /// all beyond max_trials, and the store has them.
    func testAttachRetriesAddsRunsAndEnqueuesInADetachedStudy() throws {
        // Paused: nothing new launches while the requests go in, so the counts below are exact.
        let p = try detachAttachPauseAndKillTrial0(maxTrials: 3, sleep: 2, epochs: 3)
        try p.keys("r")
        try expect(p, "set 0 (trial 0's) runs again next", seconds: 3)
        try p.keys("j", "+", "2", "Enter")
        try expect(p, "set 1 gets 2 more runs", seconds: 3)
        try p.keys("e")
        try expect(p, "enqueue a parameter set", seconds: 3)
        // The form starts from the best set's values when there is one: clear each field first.
        for field in ["0.42", "2.0", "3"] {
            for _ in 0..<24 { try p.keys("BSpace") }
            try p.keys(field, "Tab")
        }
        try p.keys("Enter")
        try expect(p, "enqueued: it runs before", seconds: 3)
        try p.keys("p")
        try expect(p, "attached RUNNING", seconds: 5)
        try p.keys("q")
        try expect(p, "Detached from study det", seconds: 5)
        XCTAssertTrue(waitUntil(120, every: 0.2) { engineLine().hasSuffix("done") }, engineLine())

        XCTAssertEqual(try project.run(["studies", "data/hypertop.db", "--export", "det"]).status, 0)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: project.path("det.json")))) as? [String: Any])
        let trials = try XCTUnwrap(json["trials"] as? [[String: Any]])
        let states = trials.map { $0["state"] as? String ?? "?" }
        XCTAssertEqual(trials.count, 7, "3 from max_trials, 1 retry, 2 added runs, 1 enqueued: \(states)")
        XCTAssertEqual(states.filter { $0 == "FAIL" }.count, 1, "\(states)")
        let sets = trials.compactMap { $0["param_set"] as? Int }
        XCTAssertEqual(sets.filter { $0 == 0 }.count, 2, "set 0: the killed run and its retry: \(sets)")
        XCTAssertEqual(sets.filter { $0 == 1 }.count, 3, "set 1: its run and 2 more: \(sets)")
        XCTAssertTrue(trials.contains { ($0["params"] as? [String: Any])?["++x"] as? Double == 0.42 }, "the typed set ran")
        let log = try String(contentsOfFile: project.path("data/det/hypertop.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Set 0 runs again next") && log.contains("Set 1 gets 2 more runs") && log.contains("Enqueued set"), log)
    }

    /// The quit dialog of `run` detaches: the shell gets its prompt back, the engine goes on
    /// without the terminal (closing it does not stop the study).
    func testTheQuitDialogOfRunDetaches() throws {
        let config = try writeConfig(maxTrials: 4, sleep: 1)
        let p = try pane("\(binary) run \(config)")
        try expect(p, "score by parameter", seconds: 15)
        try p.keys("q")
        try expect(p, "detach: the study goes on without this terminal", seconds: 3)
        try p.keys("d")
        try expect(p, "EXITED 0", seconds: 5)
        try expect(p, "Attach again with: hypertop attach det --storage ", seconds: 1)
        try p.tmux("kill-session", "-t", p.session)  // the terminal closes: its SIGHUP must not reach the engine
        XCTAssertTrue(waitUntil(60, every: 0.2) { engineLine().hasSuffix("done") }, engineLine())
        XCTAssertTrue(engineLine().range(of: #"^det\s+maximize\s+4\s+4\s"#, options: .regularExpression) != nil, engineLine())
    }

    /// Without detaching, closing the terminal stops the study gracefully: running trials finish.
    func testClosingTheTerminalOfARunStopsItGracefully() throws {
        let config = try writeConfig(maxTrials: 6, sleep: 1)
        let p = try pane("\(binary) run \(config)")
        try expect(p, "score by parameter", seconds: 15)
        try p.tmux("kill-session", "-t", p.session)
        // The signal ended it before its end: `studies` says stopped (resume it to go on).
        XCTAssertTrue(waitUntil(60, every: 0.2) { engineLine().hasSuffix("stopped") }, engineLine())
        let log = try String(contentsOfFile: project.path("data/det/hypertop.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Stopping: the terminal closed (SIGHUP)"), log)
        XCTAssertTrue(engineLine().range(of: #"^det\s+maximize\s+2\s+2\s"#, options: .regularExpression) != nil,
                      "the 2 running trials finished, none was launched after: \(engineLine())")
    }
}
