import Foundation
import TestSupport
import XCTest

/// Runs the real `hypertop` binary, as a user would.
final class CLITests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("cli") }

    override func tearDownWithError() throws { project?.remove() }

    /// The test job swept over `space` (one parameter a line), 2 epochs a trial.
    func config(maxTrials: Int = 4, nJobs: Int = 2, space: [String]) -> SweepFile {
        SweepFile(studyName: "cli", maxTrials: maxTrials, nJobs: nJobs, seed: 3, searchSpace: space,
                  preamble: ["# @package _global_", "n_epochs: 2"])
    }

    /// `--new` and `--resume` never move or take over a study another engine is running: they
    /// are refused with who runs it, and the running study goes on untouched.
    /// `hypertop demo` writes the repository's demo config (its built-in copy is that file) into
    /// the directory and becomes `hypertop run` there, with the words that follow.
    func testTheDemoWritesTheRepositorysConfigAndRunsThere() throws {
        let dir = project.path("demo-here")
        let r = try project.run(["demo", "--dir", dir, "--", "--help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Demo in \(dir)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("USAGE: hypertop run"), "the words after -- went to run:\n\(r.stdout)")
        let written = try String(contentsOfFile: dir + "/conf/performance/Reach/sac-opti.yaml", encoding: .utf8)
        let repository = try String(contentsOf: SweepProject.packageRoot.appendingPathComponent("conf/performance/Reach/sac-opti.yaml"), encoding: .utf8)
        XCTAssertEqual(written, repository)
    }

    func testALiveStudyIsNeverMovedOrTakenOver() throws {
        try project.write("live-opti.yaml", config(maxTrials: 2, space: ["++sleep: {type: categorical, choices: [3]}", "++x: {type: float, low: 0, high: 1}"]))
        let first = try project.start(["run", "--headless", "live-opti.yaml"])
        let log = first.stdout
        XCTAssertTrue(log.waitFor("Launching jobs"), log.text)
        for flag in ["--new", "--resume"] {
            let second = try project.run(["run", "--headless", flag, "live-opti.yaml"])
            XCTAssertEqual(second.status, 2, flag)
            XCTAssertTrue(second.stderr.contains("Study \"cli\" is being run by process \(first.pid) on "), "\(flag): \(second.stderr)")
        }
        first.waitUntilExit()
        XCTAssertEqual(first.status, 0)
        XCTAssertTrue(log.waitFor("Trials: 2 (2 COMPLETE)"), log.text)
        let dirs = try FileManager.default.contentsOfDirectory(atPath: project.path("data"))
        XCTAssertFalse(dirs.contains { $0.hasPrefix("cli-") }, "the live sweep directory was not moved aside: \(dirs)")
    }

    /// Issue 27, H1: a second engine with the same study name but another store is refused
    /// before it moves the live sweep directory aside or launches anything; the first goes on.
    func testASweepDirectoryBelongsToOneLiveEngineWhateverTheStore() throws {
        try project.write("h1-opti.yaml", config(maxTrials: 2, space: ["++sleep: {type: categorical, choices: [2]}", "++x: {type: float, low: 0, high: 1}"]))
        let first = try project.start(["run", "--headless", "h1-opti.yaml"])
        XCTAssertTrue(first.stdout.waitFor("Launching jobs"), first.output.text)
        let second = try project.run(["run", "--headless", "--storage", "other.db", "h1-opti.yaml"])
        XCTAssertEqual(second.status, 2, second.stdout + second.stderr)
        XCTAssertTrue(second.stderr.contains("the sweep directory \(URL(fileURLWithPath: project.path("data/cli")).standardizedFileURL.path) belongs to another hypertop engine (process \(first.pid) on "),
                      second.stderr)
        XCTAssertFalse(second.stdout.contains("Moved the sweep directory"), second.stdout)
        first.waitUntilExit()
        XCTAssertEqual(first.status, 0, first.output.text)
        XCTAssertTrue(first.stdout.text.contains("Trials: 2 (2 COMPLETE)"), first.stdout.text)
        let dirs = try FileManager.default.contentsOfDirectory(atPath: project.path("data"))
        XCTAssertFalse(dirs.contains { $0.hasPrefix("cli-") }, "the live sweep directory was moved aside: \(dirs)")
        XCTAssertFalse(dirs.contains(".cli.hypertop-engine"), "the claim goes with its engine: \(dirs)")
        // Once the first has ended, the directory is free again.
        XCTAssertEqual(try project.run(["run", "--headless", "--storage", "other.db", "h1-opti.yaml"]).status, 0)
    }

    /// A config's warnings are said in the study's log (so the dashboard and the store keep them).
    func testConfigWarningsAreInTheStudysLog() throws {
        var sweep = config(maxTrials: 1, nJobs: 1, space: ["++x: {type: float, low: 0.1, high: 0.9, log: true, step: 0.1}"])
        sweep.direction = nil
        let path = try project.write("w-opti.yaml", sweep)
        let r = try project.run(["run", "--headless", "w-opti.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        XCTAssertTrue(r.stdout.contains("][HYPERTOP] warning: \(full):4: hydra.sweeper has no `direction`; minimizing"), r.stdout)
        XCTAssertTrue(r.stdout.contains("][HYPERTOP] warning: \(full):12: parameter `++x`: `step` is ignored with `log: true`"), r.stdout)
    }

    /// A real sweep with ASHA: the laggards are stopped at their rung with the rule and the number
    /// in their reason, recorded as PRUNED; their sets are not run again.
    func testASweepWithSuccessiveHalvingPrunesLaggardsAtTheirRung() throws {
        var sweep = config(maxTrials: 8, nJobs: 2, space: ["++x: {type: categorical, choices: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}",
                                                           "++sleep: {type: categorical, choices: [0.3]}", "++epochs: {type: categorical, choices: [6]}"])
        sweep.sweeperKeys = ["pruner: {type: asha, min_resource: 1, reduction_factor: 2}"]
        try project.write("asha-opti.yaml", sweep)
        let r = try project.run(["run", "--headless", "asha-opti.yaml"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let pruned = r.stdout.split(separator: "\n").filter { $0.contains(" PRUNED: ") }
        XCTAssertFalse(pruned.isEmpty, r.stdout)
        for line in pruned {
            XCTAssertTrue(line.range(of: #"PRUNED: pruned by successive halving at evaluation \d+ \(rung \d+\): eval/success_rate [0-9.]+ is not among the best 1/2 of the \d+ trials there \(needs ≥ [0-9.]+\)"#,
                                     options: .regularExpression) != nil, String(line))
        }
        let list = try project.run(["studies", "--list"])
        XCTAssertTrue(list.stdout.range(of: #"\ncli\s+maximize\s+8\s+\d+\s+\#(pruned.count)\s"#, options: .regularExpression) != nil, list.stdout)
    }

    /// The README's demo job, a real RL learner, swept with ASHA: trials whose success rate
    /// lags at a rung are stopped there, with the rule and the number in their reason.
    func testTheDemoSweptWithSuccessiveHalving() throws {
        let trainer = SweepProject.packageRoot.appendingPathComponent(".build/release/reach-trainer").path
        guard FileManager.default.isExecutableFile(atPath: trainer) else {
            throw missingTool("the release reach-trainer is not built at \(trainer) (scripts/test.sh builds it)")
        }
        let demo = try String(contentsOfFile: SweepProject.packageRoot.appendingPathComponent("conf/performance/Reach/sac-opti.yaml").path, encoding: .utf8)
        let edited = demo.replacingOccurrences(of: "max_trials: 12", with: "max_trials: 8")
            .replacingOccurrences(of: "n_epochs: 20", with: "n_epochs: 10")
            .replacingOccurrences(of: "    max_duration_minutes: 10\n", with: "    max_duration_minutes: 10\n    seed: 3\n    pruner: {type: asha, min_resource: 1, reduction_factor: 3}\n")
        XCTAssertNotEqual(edited, demo)
        try project.write("conf/performance/Reach/sac-opti.yaml", edited)
        let r = try project.run(["run", "--headless", "--command", trainer, "conf/performance/Reach/sac-opti.yaml"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("Trials: 8 ("), r.stdout)
        let pruned = r.stdout.split(separator: "\n").filter { $0.contains(" PRUNED: pruned by successive halving at evaluation ") }
        XCTAssertFalse(pruned.isEmpty, "ASHA stopped some of the demo's trials: \(r.stdout)")
        XCTAssertTrue(pruned.allSatisfy { $0.contains("is not among the best 1/3 of the") && $0.contains("(needs ≥ ") }, pruned.joined(separator: "\n"))
    }

    func testHeadlessRunPrintsBestAndWritesResults() throws {
        try project.write("s-opti.yaml", config(space: ["++x: {type: float, low: 0.1, high: 0.9}", "++epochs: {type: int, low: 1, high: 2}"]))
        let r = try project.run(["run", "--headless", "s-opti.yaml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Launching jobs, sweep output dir : \(URL(fileURLWithPath: project.root).standardizedFileURL.path)/data/cli"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Best parameters: {'++x': "), r.stdout)
        XCTAssertTrue(r.stdout.contains("Best value: "), r.stdout)
        let results = try String(contentsOfFile: project.path("data/cli/optimization_results.yaml"), encoding: .utf8)
        XCTAssertTrue(results.hasPrefix("name: \"cli\"\nbest_params:\n  \"++x\": "), results)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("delete_me_to_stop_hyperopt")), "the stop file is removed at the end")

        let list = try project.run(["studies", "--list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.hasPrefix("study  direction  trials  COMPLETE  PRUNED  FAIL  RUNNING  WAITING  best"), list.stdout)
        XCTAssertTrue(list.stdout.range(of: #"\ncli\s+maximize\s+4\s+4\s+0\s+0\s+0\s+0\s"#, options: .regularExpression) != nil, list.stdout)
        let export = try project.run(["studies", "--export", "cli"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let csv = try String(contentsOfFile: project.path("cli.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 5, "a header and 4 trials:\n\(csv)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path("cli.json")))
        let missing = try project.run(["studies", "--export", "nope"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no study named \"nope\""), missing.stderr)
        // A file in the way (here a directory named as the export): one line that names it and says why.
        try FileManager.default.removeItem(atPath: project.path("cli.csv"))
        try FileManager.default.createDirectory(atPath: project.path("cli.csv"), withIntermediateDirectories: false)
        let blocked = try project.run(["studies", "--export", "cli"])
        XCTAssertEqual(blocked.status, 2, blocked.stderr)
        let csvPath = URL(fileURLWithPath: project.path("cli.csv")).resolvingSymlinksInPath().path
        XCTAssertEqual(blocked.stderr, "hypertop: error: cannot export study \"cli\": cannot write \(csvPath): Is a directory\n")
    }

    func testConfigErrorIsOneLineWithFileAndLineAndExitStatus2() throws {
        let path = try project.write("bad-opti.yaml", config(space: ["++x: {type: float, low: 2, high: 1}"]))
        let r = try project.run(["run", "--headless", path])
        XCTAssertEqual(r.status, 2)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("hypertop: error: \(path):13: parameter `++x`: low (2.0) is greater than high (1.0)."), r.stderr)
    }

    func testMissingJobCommandIsAClearError() throws {
        var sweep = config(space: ["++x: {type: float, low: 0, high: 1}"])
        sweep.command = ["no-such-trainer-xyz"]
        let path = try project.write("nojob-opti.yaml", sweep)
        let r = try project.run(["run", "--headless", path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("`no-such-trainer-xyz` is not found in PATH"), r.stderr)
    }

    /// Ctrl-C once stops launching; twice terminates every job group. No job outlives hypertop.
    func testCtrlCTwiceLeavesNoJobProcess() throws {
        try project.write("slow-opti.yaml", config(maxTrials: 6, space: ["++sleep: {type: categorical, choices: [30]}", "++x: {type: float, low: 0, high: 1}"]))
        let p = try project.start(["run", "--headless", "slow-opti.yaml"])
        let log = p.stdout
        let pids = ["data/cli/0/pid", "data/cli/1/pid"]
        XCTAssertTrue(project.waitFor(files: pids), "both jobs started")
        kill(p.pid, SIGINT)
        XCTAssertTrue(log.waitFor("Stopping: interrupted (Ctrl-C)"), log.text)
        XCTAssertTrue(p.isRunning, "the first Ctrl-C lets running jobs finish")
        for path in pids {
            let pid = Int32((try String(contentsOfFile: project.path(path), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertFalse(liveProcesses(inGroup: pid).isEmpty, "job group \(pid) was ended by the first Ctrl-C")
        }
        kill(p.pid, SIGINT)
        waitUntil(15, every: 0.02) { !p.isRunning }
        XCTAssertFalse(p.isRunning, "hypertop did not exit after the second Ctrl-C")
        p.waitUntilExit()
        XCTAssertTrue(log.waitFor("Trial #0 FAIL: killed by Ctrl-C"), log.text)
        XCTAssertEqual(p.status, 130, "a run Ctrl-C ended exits as a shell reports it (issue 27, M5)")
        for path in pids {
            let pid = Int32((try String(contentsOfFile: project.path(path), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertEqual(liveProcesses(inGroup: pid), [], "job group \(pid) outlived hypertop")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/cli/2")), "no trial was launched after Ctrl-C")
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
            command: [\(SweepProject.testJob)]
            pass_config: none
        """
    }

    func testPerformanceTestPassesWhenEnoughRunsReachTheValue() throws {
        try project.write("p-test.yaml", performanceTest(evalValue: 0.4))
        let r = try project.run(["test", "p-test.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Performance test p-test successful!"), r.stdout)
        // Each run of a test has its own directory under the study's name.
        let runs = try FileManager.default.contentsOfDirectory(atPath: project.path("data/p-test"))
        XCTAssertEqual(runs.count, 1)
        XCTAssertTrue(runs[0].hasPrefix("p-test-"), runs[0])
        let args = try String(contentsOfFile: project.path("data/p-test/\(runs[0])/0/args.txt"), encoding: .utf8)
        XCTAssertEqual(args, "n_epochs=3\n", "n_epochs = max_steps / eval_after_n_steps")
    }

    func testPerformanceTestFailsWithExitStatus1() throws {
        try project.write("p-test.yaml", performanceTest(evalValue: 0.6))
        let r = try project.run(["test", "p-test.yaml"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Performance test p-test failed: 0 of"), r.stdout)
    }

    private func pid(_ path: String) -> Int32? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Until the store lists the study (`studies --list`), at most `timeout` seconds.
    private func waitForStudy(_ name: String, in store: String, timeout: Double = 20) throws {
        let listed = try waitUntil(timeout) {
            let r = try project.run(["studies", "--list", store], timeout: 10)
            return r.status == 0 && r.stdout.split(separator: "\n").contains { $0.split(separator: " ").first == Substring(name) }
        }
        if !listed { XCTFail("study \(name) never appeared in \(store)") }
    }

    /// Issue 6's crash test: kill -9 the engine mid-study, resume: nothing completed is lost, no
    /// trial stays RUNNING, the orphaned jobs are ended and the study completes with the right counts.
    func testKilledEngineResumesWithoutLosingTrials() throws {
        try project.write("crash-opti.yaml", config(maxTrials: 6, space: ["++x: {type: float, low: 0.1, high: 0.9}", "++epochs: {type: categorical, choices: [2]}"]))
        let engine = try project.start(["run", "--headless", "crash-opti.yaml"], environment: ["SLOW_FROM": "2"])
        project.waitFor(files: ["data/cli/0/outcome.json", "data/cli/1/outcome.json", "data/cli/2/pid", "data/cli/3/pid"])
        kill(engine.pid, SIGKILL)
        engine.waitUntilExit()
        let orphans = [2, 3].compactMap { pid(project.path("data/cli/\($0)/pid")) }
        XCTAssertEqual(orphans.count, 2)
        for g in orphans { XCTAssertFalse(liveProcesses(inGroup: g).isEmpty, "orphan \(g) should still run before the resume") }

        let r = try project.run(["run", "--headless", "--resume", "crash-opti.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        for g in orphans { XCTAssertEqual(liveProcesses(inGroup: g), [], "orphaned job group \(g) was not ended") }
        XCTAssertTrue(r.stdout.contains("Resuming study cli with 4 recorded trial(s)"), r.stdout)
        // 2 completed before the crash + 2 re-runs of the lost sets + 2 new = 6 counted runs; the 2 lost are FAIL.
        XCTAssertTrue(r.stdout.contains("Trials: 8 (6 COMPLETE, 2 FAIL)"), r.stdout)
        let list = try project.run(["studies", "--list"])
        let row = list.stdout.split(separator: "\n").first { $0.hasPrefix("cli ") }.map(String.init) ?? ""
        XCTAssertTrue(row.range(of: #"^cli\s+maximize\s+8\s+6\s+0\s+2\s+0\s+0\s"#, options: .regularExpression) != nil, list.stdout)
    }

    /// Holds the study store's write lock (as another program writing it would) for `seconds`,
    /// from the moment trial 0's job has started; returns the holder and the file where it writes
    /// the time it let go.
    /// Holds the store's write lock from another process for `seconds`, or until the file
    /// `<released>.release` appears (whichever comes first); writes `<released>` when it lets go.
    func holdStoreLock(seconds: Double) throws -> (Process, String) {
        project.waitFor(files: ["data/cli/0/pid"])
        let released = project.path("released")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import os, sqlite3, sys, time
            con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            con.execute("BEGIN IMMEDIATE")
            open(sys.argv[2] + ".held", "w").close()
            end = time.time() + float(sys.argv[3])
            while time.time() < end and not os.path.exists(sys.argv[2] + ".release"):
                time.sleep(0.02)
            con.execute("ROLLBACK")
            open(sys.argv[2], "w").write(repr(time.time()))
            """, project.path("data/hypertop.db"), released, String(seconds)]
        try holder.run()
        project.waitFor(files: ["released.held"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: released + ".held"), "the lock holder did not start")
        return (holder, released)
    }

    /// Trial facts from the store, by Python's sqlite3: "number state start_epoch intermediate_values" per line.
    func storedTrials() throws -> String {
        let r = try runProgram("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys, datetime
            con = sqlite3.connect(sys.argv[1])
            for n, state, start, tid in con.execute("SELECT number, state, datetime_start, trial_id FROM trials ORDER BY number"):
                t = datetime.datetime.strptime(start, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
                k = con.execute("SELECT count(*) FROM trial_intermediate_values WHERE trial_id = ?", (tid,)).fetchone()[0]
                print(n, state, repr(t), k)
            """, project.path("data/hypertop.db")])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    /// Starts a study of `maxTrials` trials of 2 s each (5 epochs of 0.4 s), one at a time.
    func startLockStudy(maxTrials: Int) throws -> HypertopProcess {
        try project.write("lock-opti.yaml", config(maxTrials: maxTrials, nJobs: 1, space: [
            "++sleep: {type: categorical, choices: [0.4]}", "++epochs: {type: categorical, choices: [5]}", "++x: {type: float, low: 0.1, high: 0.9}"]))
        return try project.start(["run", "--headless", "lock-opti.yaml"])
    }

    /// D5: another process holds the store's write lock while a trial runs and ends: the events
    /// are kept and recorded once the lock is gone, nothing starts meanwhile, nothing is lost.
    func testAStoreLockedForAWhileLosesNothingAndDelaysTheNextTrial() throws {
        let engine = try startLockStudy(maxTrials: 2)
        let log = engine.stdout
        let (holder, released) = try holdStoreLock(seconds: 3)
        holder.waitUntilExit()
        engine.waitUntilExit()
        let stderr = engine.stderr.text
        XCTAssertEqual(engine.status, 0, log.text + stderr)
        XCTAssertTrue(log.text.contains("could not write the study store (another process holds its write lock): keeping "), log.text)
        XCTAssertTrue(log.text.contains("the study store can be written again: recorded the "), log.text)
        XCTAssertTrue(log.text.contains("Trials: 2 (2 COMPLETE)"), log.text)
        let rows = try storedTrials().split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.map { [$0[0], $0[1], $0[3]] }, [["0", "COMPLETE", "5"], ["1", "COMPLETE", "5"]], "\(rows)")
        let releasedAt = try XCTUnwrap(Double(String(contentsOfFile: released, encoding: .utf8)))
        let secondStart = try XCTUnwrap(Double(rows[1][2]))
        XCTAssertGreaterThan(secondStart, releasedAt - 0.5, "trial 1 started while the store was locked")
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/hypertop.db.unrecorded-1.jsonl")))
    }

    /// D5 and D17: a lock held past the study's end: exit 1, naming the journal that keeps the
    /// events; the next run waits for the lock (and says so), replays the journal, and has it all.
    func testAStoreLockedPastTheEndExitsWithTheJournalAndTheNextRunReplaysIt() throws {
        let engine = try startLockStudy(maxTrials: 1)
        let log = engine.stdout
        // Held until the next run below says it waits for it: no race with the engine's last attempts.
        let (holder, released) = try holdStoreLock(seconds: 120)
        engine.waitUntilExit()
        let stderr = engine.stderr.text
        XCTAssertEqual(engine.status, 1, log.text + stderr)
        let journal = project.path("data/hypertop.db.unrecorded-1.jsonl")
        XCTAssertTrue(stderr.contains(" event(s) could not be recorded in the study store (another process holds its write lock); "), stderr)
        XCTAssertTrue(stderr.contains("they are in \(URL(fileURLWithPath: journal).standardizedFileURL.path), which the next `hypertop run` of this study records"), stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: journal))
        XCTAssertTrue(holder.isRunning, "the lock is still held when the next run starts")

        let next = try project.start(["run", "--headless", "--resume", "lock-opti.yaml"])
        XCTAssertTrue(next.stdout.waitFor("Waiting for the study store's write lock: another process holds ", timeout: 30), next.stdout.text)
        FileManager.default.createFile(atPath: released + ".release", contents: nil)
        holder.waitUntilExit()
        next.waitUntilExit()
        XCTAssertEqual(next.status, 0, next.stdout.text + next.stderr.text)
        XCTAssertTrue(next.stdout.text.range(of: #"Recorded \d+ event\(s\) an earlier run could not write, from "#, options: .regularExpression) != nil, next.stdout.text)
        let rows = try storedTrials().split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.map { [$0[0], $0[1], $0[3]] }, [["0", "COMPLETE", "5"]], "\(rows)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: journal), "the journal is removed once replayed")
    }

    /// `watch` on a study whose engine died says so and ends (it used to wait for ever).
    func testWatchOfADeadEnginesStudyEnds() throws {
        try project.write("dead-opti.yaml", config(maxTrials: 6, space: ["++x: {type: float, low: 0.1, high: 0.9}", "++epochs: {type: categorical, choices: [2]}"]))
        let engine = try project.start(["run", "--headless", "dead-opti.yaml"], environment: ["SLOW_FROM": "1"])
        project.waitFor(files: ["data/cli/1/pid"])
        kill(engine.pid, SIGKILL)
        engine.waitUntilExit()
        let r = try project.run(["watch", "--headless", "data/hypertop.db"], timeout: 30)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains(#"study "cli" is not running (stopped): the engine that ran it (process \#(engine.pid) on "#), r.stdout)
        XCTAssertNotNil(r.stdout.range(of: #"is gone; \d+ trial\(s\) recorded\. Resume it with `hypertop run --resume <config>`\."#,
                                       options: .regularExpression), r.stdout)
        _ = try project.run(["run", "--headless", "--resume", "dead-opti.yaml"], timeout: 60)
    }

    /// Issue 6: `watch` in a second process sees every trial while the sweep runs, and never blocks it.
    func testWatchInAnotherProcessSeesEveryTrial() throws {
        try project.write("w-opti.yaml", config(maxTrials: 8, space: ["++x: {type: float, low: 0.1, high: 0.9}", "++sleep: {type: categorical, choices: [0.1]}"]))
        let engine = try project.start(["run", "--headless", "w-opti.yaml"])
        try waitForStudy("cli", in: "data/hypertop.db")
        let w = try project.run(["watch", "--study", "cli", "--refresh", "0.05", "data/hypertop.db"], timeout: 60)
        engine.waitUntilExit()
        let engineText = engine.stdout.text + engine.stderr.text
        XCTAssertEqual(engine.status, 0, engineText)
        XCTAssertEqual(w.status, 0, w.stderr)
        for n in 0..<8 { XCTAssertTrue(w.stdout.contains("Trial #\(n) COMPLETE"), "watch missed trial \(n):\n\(w.stdout)") }
        XCTAssertFalse(engineText.contains("locked") || engineText.contains("could not record"), engineText)
        XCTAssertTrue(w.stdout.contains("Best value: "), w.stdout)
    }

    /// `--new` keeps the recorded study under another name and moves its directory aside;
    /// without a flag and without a terminal, running again resumes.
    /// D18: resuming after the search space was edited says what changed.
    func testResumingAfterTheSearchSpaceChangedSaysWhat() throws {
        try project.write("c-opti.yaml", config(maxTrials: 2, space: ["++c: {type: categorical, choices: [a, b, c, d, e, f]}", "++x: {type: float, low: 0.1, high: 0.9}"]))
        XCTAssertEqual(try project.run(["run", "--headless", "c-opti.yaml"]).status, 0)
        try project.write("c-opti.yaml", config(maxTrials: 3, space: ["++c: {type: categorical, choices: [a, b]}", "++y: {type: int, low: 1, high: 4}"]))
        let again = try project.run(["run", "--headless", "--resume", "c-opti.yaml"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("warning: the search space changed since this study was recorded: `++x` was removed; "
                                            + "`++c` was choices [a, b, c, d, e, f], is choices [a, b]; `++y` is new. "), again.stdout)
        let same = try project.run(["run", "--headless", "--resume", "c-opti.yaml"])
        XCTAssertFalse(same.stdout.contains("search space changed"), "an unchanged space says nothing:\n\(same.stdout)")
    }

    /// Resuming with other command-line overrides than the study last ran with says so.
    func testResumingWithOtherOverridesSaysWhich() throws {
        try project.write("o-opti.yaml", config(maxTrials: 4, space: ["++x: {type: float, low: 0.1, high: 0.9}"]))
        XCTAssertEqual(try project.run(["run", "--headless", "o-opti.yaml", "hydra.sweeper.max_trials=1", "++lr=0.1"]).status, 0)
        let again = try project.run(["run", "--headless", "--resume", "o-opti.yaml", "hydra.sweeper.max_trials=2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("warning: the study was last run with the command-line overrides hydra.sweeper.max_trials=1 ++lr=0.1; "
                                            + "it goes on with hydra.sweeper.max_trials=2."), again.stdout)
        XCTAssertTrue(again.stdout.contains("Trials: 2 (2 COMPLETE)"), again.stdout)
        let same = try project.run(["run", "--headless", "--resume", "o-opti.yaml", "hydra.sweeper.max_trials=2"])
        XCTAssertFalse(same.stdout.contains("command-line overrides"), "the same overrides say nothing:\n\(same.stdout)")
    }

    /// A study a signal ended before its end is "stopped" in `studies` (resume it to go on); one
    /// that ran to its end is "done".
    func testAStudyEndedBySIGTERMIsStoppedNotDone() throws {
        try project.write("t-opti.yaml", config(maxTrials: 4, nJobs: 1, space: ["++sleep: {type: categorical, choices: [20]}"]))
        let engine = try project.start(["run", "--headless", "t-opti.yaml"])
        let log = engine.stdout
        XCTAssertTrue(log.waitFor("#0 : "), log.text)
        kill(engine.pid, SIGTERM)
        engine.waitUntilExit()
        XCTAssertEqual(engine.status, 143, "a run SIGTERM ended never reads as a success (issue 27, M5)")
        let list = try project.run(["studies", "--list"])
        let row = list.stdout.split(separator: "\n").first { $0.hasPrefix("cli ") }
        XCTAssertTrue(row?.contains(" stopped") == true, list.stdout)
        XCTAssertFalse(row?.contains(" done") == true, list.stdout)
        var whole = config(maxTrials: 1, nJobs: 1, space: ["++x: {type: float, low: 0, high: 1}"])
        whole.studyName = "whole"
        try project.write("d-opti.yaml", whole)
        XCTAssertEqual(try project.run(["run", "--headless", "d-opti.yaml"]).status, 0)
        let again = try project.run(["studies", "--list"]).stdout.split(separator: "\n")
        XCTAssertTrue(again.first { $0.hasPrefix("whole ") }?.contains(" done") == true, again.joined(separator: "\n"))
    }

    func testNewStartsOverAndKeepsTheOldStudy() throws {
        try project.write("n-opti.yaml", config(maxTrials: 2, space: ["++x: {type: float, low: 0.1, high: 0.9}"]))
        XCTAssertEqual(try project.run(["run", "--headless", "n-opti.yaml"]).status, 0)
        let again = try project.run(["run", "--headless", "n-opti.yaml"])
        XCTAssertTrue(again.stdout.contains("Resuming study \"cli\" (2 recorded trials)"), again.stdout)
        XCTAssertTrue(again.stdout.contains("Trials: 2 (2 COMPLETE)"), "a finished study has nothing left to run:\n\(again.stdout)")
        let fresh = try project.run(["run", "--headless", "--new", "n-opti.yaml"])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertTrue(fresh.stdout.contains("Kept the earlier study as \"cli-"), fresh.stdout)
        let moved = try FileManager.default.contentsOfDirectory(atPath: project.path("data")).filter { $0.hasPrefix("cli-") }
        XCTAssertEqual(moved.count, 1, "the old sweep directory is kept beside the new one")
        let list = try project.run(["studies", "--list"]).stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(list.count, 2, "two studies in the store:\n\(list)")
        XCTAssertTrue(list.contains { $0.hasPrefix("cli ") } && list.contains { $0.hasPrefix("cli-") }, "\(list)")
        let both = try project.run(["run", "--headless", "--new", "--resume", "n-opti.yaml"])
        XCTAssertEqual(both.status, 64, "a usage error, found before anything runs")
        XCTAssertTrue(both.stderr.contains("contradict"), both.stderr)
    }
}
