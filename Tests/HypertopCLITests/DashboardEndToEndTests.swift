import Foundation
import TestSupport
import XCTest

/// The real `hypertop run` with its dashboard in a tmux pane, on a small sweep of the test job.
final class DashboardEndToEndTests: XCTestCase {
    var project: SweepProject!
    var pane: TmuxPane!
    let binary = SweepProject.binary

    override func setUpWithError() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        project = try SweepProject("dash")
        pane = TmuxPane(prefix: "hypertop-e2e")
    }

    override func tearDownWithError() throws {
        pane = nil
        project?.remove()
    }

    private func expect(_ text: String, seconds: Double = 8, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (found, screen) = try pane.waitFor(text, seconds: seconds)
        XCTAssertTrue(found, "'\(text)' never appeared; the screen:\n\(screen)", file: file, line: line)
        return screen
    }

    /// Writes NAME-opti.yaml (the test job over x, with one sleep and one epoch count) and starts
    /// `hypertop run` on it in the pane; `extra` adds sweeper lines, `flags` run options.
    private func startRun(_ name: String, maxTrials: Int, nJobs: Int, seed: Int, sleep: Double, epochs: Int,
                          extra: [String] = [], flags: String = "") throws {
        try project.write("\(name)-opti.yaml", SweepFile(studyName: name, maxTrials: maxTrials, nJobs: nJobs, seed: seed, sweeperKeys: extra,
                                                         searchSpace: ["++x: {type: float, low: 0.1, high: 0.9}",
                                                                       "++sleep: {type: categorical, choices: [\(sleep)]}",
                                                                       "++epochs: {type: categorical, choices: [\(epochs)]}"]))
        try launch(name, flags: flags)
    }

    /// `hypertop run NAME-opti.yaml` in the pane, in a UTF-8 256-colour terminal; the shell says
    /// EXITED=status after it.
    private func launch(_ name: String, flags: String = "") throws {
        try pane.start("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(binary) run \(name)-opti.yaml\(flags.isEmpty ? "" : " " + flags); echo EXITED=$?; sleep 60")
    }

    func testKeysDriveARealSweep() throws {
        try startRun("e2e", maxTrials: 6, nJobs: 2, seed: 4, sleep: 0.5, epochs: 6, flags: "--refresh 5")
        _ = try expect("score by parameter", seconds: 15)
        // The refresh is 5 s: each change below must show at once, not on the next tick.
        try pane.keys("j", "Enter")
        _ = try expect("command", seconds: 2)
        try pane.keys("Escape")
        _ = try expect("score by parameter", seconds: 2)
        try pane.keys("p")
        _ = try expect("PAUSED", seconds: 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path("hyperopt_paused")), "p creates the pause file")
        try pane.keys("p")
        let stopFile = project.path("delete_me_to_stop_hyperopt")
        XCTAssertTrue(FileManager.default.fileExists(atPath: stopFile))
        try pane.keys("s")
        _ = try expect("STOPPING", seconds: 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stopFile), "s deletes the stop file, as a user in a shell would")
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("hyperopt_paused")), "the second p removed the pause file")
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
        let log = try String(contentsOfFile: project.path("data/e2e/hypertop.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Launching jobs, sweep output dir"), "log lines went to the sweep directory's log file")
    }

    /// Issue 27, L10: what another program wrote over the dashboard stays until Ctrl-L, which
    /// repaints the whole screen (curses otherwise redraws only the cells it changed).
    func testCtrlLRepaintsWhatSomethingElseWroteOver() throws {
        try startRun("ctrll", maxTrials: 2, nJobs: 1, seed: 3, sleep: 5, epochs: 4, flags: "--refresh 5")
        _ = try expect("score by parameter", seconds: 15)
        let tty = try XCTUnwrap(FileHandle(forWritingAtPath: try pane.variable("pane_tty")))
        // Row 30, column 10: an empty row of the trial table.
        tty.write(Data("\u{1b}[30;10HGARBAGE-FROM-ELSEWHERE".utf8))
        try tty.close()
        _ = try expect("GARBAGE-FROM-ELSEWHERE", seconds: 3)
        try pane.keys("C-l")
        let cleared = waitUntil(3) { (try? pane.screen())?.contains("GARBAGE") == false }
        XCTAssertTrue(cleared, (try? pane.screen()) ?? "")
        XCTAssertTrue(try pane.screen().contains("score by parameter"), "the dashboard is drawn whole")
        try pane.keys("q")
        _ = try expect("the study is still running", seconds: 3)
        try pane.keys("k")
        _ = try expect("EXITED", seconds: 15)
    }

    /// Issue 27, L9: `watch` on a study that ran to its end says it is done, as `attach` does,
    /// not that its engine is gone and should be resumed; once the study is deleted it says so.
    func testWatchOfAFinishedStudySaysItIsDoneThenDeleted() throws {
        let python = try TestSupport.python(in: ".venv", importing: "optuna", install: "scripts/install-deps.sh --python")
        try project.write("fin-opti.yaml", SweepFile(studyName: "fin", maxTrials: 2, nJobs: 2, seed: 1,
                                                     searchSpace: ["++x: {type: float, low: 0.1, high: 0.9}", "++epochs: {type: categorical, choices: [1]}"]))
        let run = try project.run(["run", "--headless", "fin-opti.yaml"])
        XCTAssertEqual(run.status, 0, run.stderr)
        try pane.start("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(binary) watch data/hypertop.db; echo EXITED; sleep 60")
        let done = try expect(#"study "fin" is not running (done)"#)
        XCTAssertFalse(done.contains("resume") || done.contains("gone"), done)
        let r = try runProgram(python, ["-c", "import optuna; optuna.delete_study(study_name='fin', storage='sqlite:///data/hypertop.db')"],
                               in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(r.status, 0, r.stderr)
        let deleted = try expect(#"study "fin" is not running (deleted from data/hypertop.db)"#)
        XCTAssertFalse(deleted.contains("resume") || deleted.contains("gone"), deleted)
        try pane.keys("q")
        _ = try expect("EXITED")
    }

    /// The analysis views in the real binary: each key opens its view over a real sweep, and
    /// `stop_when_stagnant` ends it with its reason.
    /// Issue 31: the upstream-style multi-objective app under the live dashboard: the header
    /// counts the front, the table has a column per objective, and `P` (the Pareto view) and `H`
    /// (the hypervolume's history, its reference point said) draw from the real run.
    func testTheParetoViewOnARealMultiObjectiveSweep() throws {
        let python = try TestSupport.python(in: ".venv", importing: "hydra", install: "scripts/install-deps.sh --python")
        try project.copy(contentsOf: HydraAppTests.apps.appendingPathComponent("upstream_multi_objective").path)
        let bin = (python as NSString).deletingLastPathComponent
        try pane.start("cd \(project.root) && env PATH=\(bin):$PATH LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(binary) run multi-objective-conf/config.yaml; echo EXITED=$?; sleep 60")
        let main = try expect("study done", seconds: 90)
        XCTAssertTrue(main.contains("front ") && main.contains(" sets  hv "), main)
        XCTAssertTrue(main.contains("values[0]") && main.contains("values[1]"), "a column per objective: \(main)")
        try pane.keys("P")
        let pareto = try expect("feasible sets", seconds: 3)
        XCTAssertTrue(pareto.contains("values[0] ↓") && pareto.contains("values[1] ↓"), pareto)
        try pane.keys("j")
        try pane.keys("H")
        _ = try expect("reference", seconds: 3)
        try pane.keys("i")
        _ = try expect("values[0]", seconds: 3)
        try pane.keys("q")
        _ = try expect("EXITED=0", seconds: 10)
    }

    func testAnalysisViewsOnARealSweep() throws {
        try startRun("views", maxTrials: 40, nJobs: 2, seed: 7, sleep: 0.2, epochs: 3, extra: ["stop_when_stagnant: 6"])
        _ = try expect("study done", seconds: 60)
        let main = try expect("stop_when_stagnant: 6 trials finished since the best last improved", seconds: 2)
        XCTAssertTrue(main.contains("importance (PED-ANOVA"), main)
        for (key, text) in [("i", "what the top 10% of"), ("H", "by wall time"), ("t", "slot time running"),
                            ("c", "coloured by score"), ("Tab", "score against each parameter"), ("Tab", "coloured by score"),
                            ("l", "score against each parameter")] {
            try pane.keys(key)
            _ = try expect(text, seconds: 3)
        }
        try pane.keys("Escape")
        _ = try expect("score by parameter", seconds: 2)
        try pane.keys("q")
        _ = try expect("EXITED", seconds: 10)

        // The studies browser in a terminal that goes away (its tmux session killed): it leaves,
        // it does not spin on a dead terminal.
        let browser = TmuxPane(prefix: "hypertop-gone")
        try browser.start("cd \(project.root) && env LANG=C.UTF-8 \(binary) studies data/hypertop.db; sleep 60")
        _ = try browser.waitFor("views", seconds: 8)
        // With a study open from the browser, as when the spin was first seen.
        try browser.keys("Enter")
        _ = try browser.waitFor("sampler random", seconds: 5)
        let pid = try XCTUnwrap(try runProgram("/usr/bin/pgrep", ["-f", "^\(binary) studies data/hypertop.db"]).stdout
            .split(separator: "\n").first.flatMap { Int32($0) })
        try browser.tmux("kill-session", "-t", browser.session)
        var alive = true
        for _ in 0..<50 where alive {
            usleep(100_000)
            alive = kill(pid, 0) == 0
        }
        if alive { kill(pid, SIGKILL) }
        XCTAssertFalse(alive, "the browser left within 5 s of losing its terminal")
    }

    /// `+` and `e` in the real binary over real jobs: the added runs and the typed set run (the
    /// typed one next), on top of max_trials, and the store has them.
    func testAddedRunsAndAnEnqueuedSetRunInARealSweep() throws {
        try startRun("act", maxTrials: 3, nJobs: 1, seed: 4, sleep: 0.8, epochs: 4)
        _ = try expect("  0 RUN", seconds: 15)
        try pane.keys("+", "2", "Enter")
        _ = try expect("set 0 gets 2 more runs", seconds: 3)
        try pane.keys("e")
        _ = try expect("enqueue a parameter set", seconds: 3)
        try pane.keys("0", ".", "4", "2", "Tab", "0", ".", "8", "Tab", "4", "Enter")
        _ = try expect("enqueued: it runs before", seconds: 3)
        _ = try expect("study done", seconds: 60)
        try pane.keys("q")
        _ = try expect("EXITED", seconds: 10)
        let export = try project.run(["studies", "data/hypertop.db", "--export", "act"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: project.path("act.json")))) as? [String: Any])
        let trials = try XCTUnwrap(json["trials"] as? [[String: Any]])
        XCTAssertEqual(trials.count, 6, "3 from max_trials, 2 added runs, 1 enqueued")
        XCTAssertEqual((trials[1]["params"] as? [String: Any])?["++x"] as? Double, 0.42, "the typed set ran next")
        XCTAssertEqual(trials.compactMap { $0["param_set"] as? Int }.filter { $0 == 0 }.count, 3, "set 0 ran 1 + 2 times")
        XCTAssertTrue(trials.allSatisfy { $0["state"] as? String == "COMPLETE" }, "\(trials.map { $0["state"] ?? "" })")
        let log = try String(contentsOfFile: project.path("data/act/hypertop.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Set 0 gets 2 more runs (asked from the dashboard)") && log.contains("Enqueued set"), log)
    }

    /// A note optuna-dashboard's own writer saves while `run` shows the study appears in the
    /// trial's detail, without a save of ours in between.
    func testANoteWrittenByOptunaDashboardShowsInTheRunningDashboard() throws {
        let python = try TestSupport.python(in: ".venv", importing: "optuna_dashboard", install: "scripts/install-deps.sh --python")
        try startRun("notes", maxTrials: 2, nJobs: 1, seed: 1, sleep: 3, epochs: 5)
        _ = try expect("  0 RUN", seconds: 15)
        let script = """
            import optuna
            from optuna_dashboard._note import save_note_with_version
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            storage = optuna.storages.RDBStorage("sqlite:///data/hypertop.db")
            s = optuna.load_study(study_name="notes", storage=storage)
            save_note_with_version(storage, s._study_id, s.trials[0]._trial_id, 1, "written in the web page")
            """
        let r = try runProgram(python, ["-c", script], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(r.status, 0, r.stderr)
        try pane.keys("Enter")
        _ = try expect("note: written in the web page", seconds: 6)
        try pane.keys("Escape", "q")
        _ = try expect("the study is still running", seconds: 3)
        try pane.keys("k")
        _ = try expect("EXITED", seconds: 15)
    }

    /// NAME-opti.yaml: jobs that run until killed. No sampler or seed given: each trial only
    /// sleeps 30 s (the test ends it first), whatever its x.
    private func writeSlowSweep(_ name: String) throws {
        try project.write("\(name)-opti.yaml", SweepFile(studyName: name, maxTrials: 6, nJobs: 2, sampler: nil, passConfig: "none",
                                                         searchSpace: ["++sleep: {type: categorical, choices: [30]}", "++x: {type: float, low: 0, high: 1}"]))
    }

    /// Jobs that run until killed, under the dashboard; returns the hypertop process's pid.
    private func startSlowSweep(_ name: String) throws -> Int32 {
        try writeSlowSweep(name)
        try launch(name)
        _ = try expect("score by parameter", seconds: 15)
        XCTAssertTrue(project.waitFor(files: ["data/\(name)/0/pid", "data/\(name)/1/pid"], timeout: 15), "both jobs started")
        let out = try String(contentsOfFile: project.path("data/\(name)/0/command.txt"), encoding: .utf8)
        XCTAssertFalse(out.isEmpty)
        return try hypertopPid(name)
    }

    private func hypertopPid(_ name: String) throws -> Int32 {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }
        let me = entries.first { pid in
            // argv: the hypertop binary itself, not the shell that started it.
            let argv = ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").split(separator: "\0")
            return argv.first?.hasSuffix("/hypertop") == true && argv.contains { $0 == "\(name)-opti.yaml" }
        }
        return try XCTUnwrap(me, "the hypertop process of \(name)")
    }

    private func jobsGone(_ name: String) throws {
        for n in 0..<2 {
            let pid = Int32((try String(contentsOfFile: project.path("data/\(name)/\(n)/pid"), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertEqual(liveProcesses(inGroup: pid), [], "job group \(pid) outlived hypertop")
        }
    }

    /// With the dashboard up, the first Ctrl-C closes it and stops launching; the second
    /// terminates the jobs, as in headless mode (it used to be lost).
    func testSecondCtrlCAfterTheDashboardClosedTerminatesTheJobs() throws {
        _ = try startSlowSweep("ctrlc")
        try pane.keys("C-c")
        _ = try expect("press Ctrl-C again", seconds: 5)
        try pane.keys("C-c")
        let end = try expect("EXITED=", seconds: 20)
        XCTAssertTrue(end.contains("Trial #0 FAIL: killed by Ctrl-C"), end)
        XCTAssertTrue(end.contains("EXITED=130"), end)
        try jobsGone("ctrlc")
    }

    /// Issue 27, M1: Ctrl-Z under `run`'s dashboard in an interactive shell gives the shell its
    /// terminal and stops the run (the engine child, then the stand-in the shell waits for); `fg`
    /// takes the terminal again and repaints it, and nothing typed at the shell reached the study.
    func testCtrlZThenFgUnderRunGivesTheShellItsTerminalAndTakesItBack() throws {
        try writeSlowSweep("tz")
        try pane.start(ShellJobControl.shell)
        _ = try expect("shell>")
        try pane.keys("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(binary) run tz-opti.yaml", "Enter")
        _ = try expect("score by parameter", seconds: 15)
        try ShellJobControl.check(pane, dashboard: "score by parameter")
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path("delete_me_to_stop_hyperopt")), "the study was not stopped")
        XCTAssertFalse(try pane.screen().contains("stop file deleted"))
        try pane.keys("q")
        _ = try expect("kill the running trials and end now", seconds: 5)
        try pane.keys("k")
        _ = try expect("the study was ended from the dashboard", seconds: 20)
        try jobsGone("tz")
    }

    /// Issue 27, M5: quit, then "kill the running trials and end now", exits 1 and says why; a
    /// CI job cancelled this way does not read as a success.
    func testQuitThenKillExitsNonZero() throws {
        _ = try startSlowSweep("quitkill")
        try pane.keys("q")
        _ = try expect("kill the running trials and end now", seconds: 5)
        try pane.keys("k")
        let end = try expect("EXITED=", seconds: 20)
        XCTAssertNotNil(end.range(of: #"EXITED=1\b"#, options: .regularExpression), end)
        XCTAssertTrue(end.contains("the study was ended from the dashboard, its running trials killed"), end)
        try jobsGone("quitkill")
    }

    /// SIGTERM means "go away": the dashboard closes and the jobs are terminated at once.
    func testSIGTERMUnderTheDashboardTerminatesTheJobs() throws {
        let pid = try startSlowSweep("term")
        kill(pid, SIGTERM)
        let end = try expect("EXITED=", seconds: 20)
        XCTAssertTrue(end.contains("killed by SIGTERM"), end)
        XCTAssertTrue(end.contains("EXITED=143"), end)
        try jobsGone("term")
    }

    /// SIGHUP of a run that was not detached (its terminal closed) stops it gracefully: no more
    /// launches, the running trials finish (a later SIGTERM ends them).
    func testSIGHUPStopsGracefully() throws {
        let pid = try startSlowSweep("hup")
        kill(pid, SIGHUP)
        _ = try expect("the terminal closed (SIGHUP)", seconds: 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/hup/2")), "no trial launched after SIGHUP")
        let groups = try (0..<2).map { n in
            Int32((try String(contentsOfFile: project.path("data/hup/\(n)/pid"), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        XCTAssertTrue(groups.allSatisfy { !liveProcesses(inGroup: $0).isEmpty }, "the running trials go on")
        kill(pid, SIGTERM)
        let end = try expect("EXITED=", seconds: 20)
        XCTAssertTrue(end.contains("killed by SIGTERM"), end)
        try jobsGone("hup")
    }
}
