import Foundation
import TestSupport
import XCTest

/// Issue 27: a study in the store is what Optuna says it is. hypertop never resumes a study into
/// something else (another direction, a multi-objective study), ranks ±inf values as Optuna does,
/// says "unknown" for what an Optuna-made study does not record, and leaves the file readable.
final class StoreFidelityTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("store-fidelity") }
    override func tearDown() { project?.remove() }

    /// The test job swept over one float, one trial at a time.
    func sweep(_ name: String, maxTrials: Int = 2, direction: String = "maximize") -> SweepFile {
        SweepFile(studyName: name, maxTrials: maxTrials, nJobs: 1, direction: direction, seed: 5,
                  searchSpace: ["++x: {type: float, low: 0.1, high: 0.9}"])
    }

    /// Runs a Python snippet with optuna in the project's directory; returns its stdout.
    @discardableResult
    func python(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try runProgram(try optunaPython(), ["-c", "import optuna\noptuna.logging.set_verbosity(optuna.logging.WARNING)\n" + script],
                                    in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(result.status, 0, "python failed: \(result.stderr)", file: file, line: line)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// M2: resuming a same-named multi-objective Optuna study with a config of one objective is
    /// refused before anything runs, naming the study and both directions; the study stays as Optuna wrote it.
    func testResumingIntoAMultiObjectiveOptunaStudyIsRefused() throws {
        try python("""
            s = optuna.create_study(study_name="mo", storage="sqlite:///p.db", directions=["minimize", "maximize"])
            s.optimize(lambda t: (t.suggest_float("++x", 0.1, 0.9), 1.0), n_trials=1)
            """)
        try project.write("mo.yaml", sweep("mo"))
        let r = try project.run(["run", "--headless", "--resume", "--storage", "p.db", "mo.yaml"])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        let store = project.path("p.db")
        XCTAssertEqual(r.stderr, "hypertop: error: study \"mo\" in \(store) has 2 objectives (direction: [minimize, maximize]), "
                       + "but the config gives 1 (direction: maximize); nothing was run: its trials would get the wrong number of values. "
                       + "Set direction: [minimize, maximize] to resume it, or pass --new to keep it under another name and start a new study.\n")
        XCTAssertFalse(r.stdout.contains("Launching"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/mo/0")), "no trial was started")
        // As Optuna wrote it: one trial of two values, and best_trials works.
        XCTAssertEqual(try python("""
            s = optuna.load_study(study_name="mo", storage="sqlite:///p.db")
            print(len(s.trials), len(s.best_trials), all(len(t.values) == 2 for t in s.trials))
            """), "1 1 True")
    }

    /// M3: a changed `direction` on resume is refused with the stored direction and the config's,
    /// and the ways on; `--new` then starts a study of the new direction beside the kept one, and
    /// `run`, `best`, `studies --list` and Optuna say the same direction of each.
    /// Issue 31: a study of several objectives Python optuna ran, with constraints: hypertop reads
    /// every objective and `trial.constraints`, and its front is Optuna's `best_trials`.
    func testAnOptunaStudyOfSeveralObjectivesOpensWithOptunasFront() throws {
        let optunaFront = try python("""
            import random
            random.seed(3)
            def constraints(t):
                return [t.params["x"] - 0.8]
            s = optuna.create_study(study_name="pmo", storage="sqlite:///p.db", directions=["minimize", "maximize"],
                                    sampler=optuna.samplers.NSGAIISampler(seed=3, population_size=6, constraints_func=constraints))
            s.optimize(lambda t: (t.suggest_float("x", 0, 1), (t.params["x"] - 0.4) ** 2 + t.suggest_float("y", 0, 1)), n_trials=24)
            print(";".join(sorted({"%.9f,%.9f" % (t.params["x"], t.params["y"]) for t in s.best_trials})))
            """)
        let r = try project.run(["best", "pmo", "--storage", "p.db", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(parsed["directions"] as? [String], ["minimize", "maximize"])
        let front = try XCTUnwrap(parsed["front"] as? [[String: Any]])
        // By parameters: a set NSGA-II proposed twice is one set of two runs here, two trials in Optuna.
        let ours = front.compactMap { $0["params"] as? [String: Double] }.map { String(format: "%.9f,%.9f", $0["x"] ?? .nan, $0["y"] ?? .nan) }
        XCTAssertEqual(Set(ours).sorted().joined(separator: ";"), optunaFront)
        for set in front { XCTAssertLessThanOrEqual(try XCTUnwrap((set["constraints"] as? [Double])?.first), 0) }
        let list = try project.run(["studies", "p.db", "--list"])
        XCTAssertTrue(list.stdout.contains("minimize,maximize"), list.stdout)
    }

    func testResumingWithAnotherDirectionIsRefused() throws {
        try project.write("d.yaml", sweep("dir", direction: "maximize"))
        XCTAssertEqual(try project.run(["run", "--headless", "d.yaml"]).status, 0)
        try project.write("d.yaml", sweep("dir", maxTrials: 4, direction: "minimize"))
        let r = try project.run(["run", "--headless", "--resume", "d.yaml"])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertEqual(r.stderr, "hypertop: error: study \"dir\" in \(project.path("data/hypertop.db")) was run to maximize, "
                       + "but the config says direction: minimize; nothing was run. Set direction: maximize in the config to resume it, "
                       + "or pass --new to keep it under another name and start a new study.\n")
        XCTAssertEqual(try python("""
            s = optuna.load_study(study_name="dir", storage="sqlite:///data/hypertop.db")
            print(s.direction.name, len(s.trials))
            """), "MAXIMIZE 2", "the study is as it was")

        let fresh = try project.run(["run", "--headless", "--new", "d.yaml"])
        XCTAssertEqual(fresh.status, 0, fresh.stdout + fresh.stderr)
        XCTAssertTrue(fresh.stdout.contains("Trials: 4 (4 COMPLETE)"), fresh.stdout)
        let list = try project.run(["studies", "--list"]).stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(list.count, 2, "\(list)")
        for row in list {
            let name = String(row.split(separator: " ")[0])
            let listed = row.contains(" minimize ") ? "minimize" : row.contains(" maximize ") ? "maximize" : "?"
            XCTAssertEqual(listed, name == "dir" ? "minimize" : "maximize", String(row))
            let best = try project.run(["best", name, "--format", "json"])
            XCTAssertTrue(best.stdout.contains("\"direction\": \"\(listed)\""), best.stdout + best.stderr)
            XCTAssertEqual(try python("print(optuna.load_study(study_name=\(name.debugDescription), storage='sqlite:///data/hypertop.db').direction.name)"),
                           listed.uppercased())
        }
    }

    /// M4 and L13's export: an Optuna study (minimize) with COMPLETE values -1, 0.5, +inf, -inf, 2.
    /// Optuna's best trial is the -inf one (#3): `best`, `studies --list` and `report` say so, and
    /// the export writes ±inf (CSV `inf`/`-inf`, JSON "Infinity"/"-Infinity") so that Python reads
    /// back every value Optuna has. A maximize study's best is its +inf trial.
    func testInfiniteValuesRankAsOptunaRanksThemAndExportWhole() throws {
        let optuna = try python("""
            import json
            for name, direction in [("odd", "minimize"), ("oddmax", "maximize")]:
                s = optuna.create_study(study_name=name, storage="sqlite:///o.db", direction=direction)
                for i, v in enumerate([-1.0, 0.5, float("inf"), float("-inf"), 2.0]):
                    s.add_trial(optuna.trial.create_trial(params={"x": i / 10}, distributions={"x": optuna.distributions.FloatDistribution(0, 1)}, value=v))
            print(json.dumps({name: optuna.load_study(study_name=name, storage="sqlite:///o.db").best_trial.number for name in ["odd", "oddmax"]}))
            """)
        XCTAssertEqual(optuna, #"{"odd": 3, "oddmax": 2}"#)

        let best = try project.run(["best", "odd", "--storage", "o.db", "--format", "json"])
        XCTAssertEqual(best.status, 0, best.stderr)
        XCTAssertTrue(best.stdout.contains(#""value": "-Infinity", "runs": 1, "first_trial": 3"#), best.stdout)
        let bestMax = try project.run(["best", "oddmax", "--storage", "o.db", "--format", "json"])
        XCTAssertTrue(bestMax.stdout.contains(#""value": "Infinity", "runs": 1, "first_trial": 2"#), bestMax.stdout)
        XCTAssertEqual(try project.run(["best", "odd", "--storage", "o.db"]).stdout, "x=0.3\n")

        let list = try project.run(["studies", "--list", "o.db"]).stdout.split(separator: "\n")
        XCTAssertTrue(list.contains { $0.hasPrefix("odd ") && $0.contains(" -inf ") }, list.joined(separator: "\n"))
        XCTAssertTrue(list.contains { $0.hasPrefix("oddmax ") && $0.contains(" inf ") }, list.joined(separator: "\n"))

        let report = try project.run(["report", "odd", "--storage", "o.db", "--out", "r"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let md = try String(contentsOfFile: project.path("r/report.md"), encoding: .utf8)
        let first = md.split(separator: "\n").first { $0.hasPrefix("| 1 | ") }.map(String.init) ?? ""
        XCTAssertTrue(first.contains("-inf") && first.contains("#3"), md)

        let export = try project.run(["studies", "--export", "odd", "o.db"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let csv = try String(contentsOfFile: project.path("odd.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] }, ["-1.0", "0.5", "inf", "-inf", "2.0"])
        XCTAssertEqual(try python("""
            import json, pandas
            want = [t.value for t in optuna.load_study(study_name="odd", storage="sqlite:///o.db").trials]
            from_json = [float(t["value"]) for t in json.load(open("odd.json"))["trials"]]
            from_csv = list(pandas.read_csv("odd.csv")["value"])
            print(from_json == want, from_csv == want, want)
            """), "True True [-1.0, 0.5, inf, -inf, 2.0]")
    }

    /// L3: a study Python optuna ran is reported with what its store holds and "unknown" for the
    /// rest (no sampler, pruner or budget of hypertop's making); a multi-objective one names each
    /// direction; a study with no trial gets well-formed Markdown tables.
    func testAnOptunaStudysReportSaysUnknownForWhatTheStoreDoesNotHold() throws {
        try python("""
            s = optuna.create_study(study_name="ext", storage="sqlite:///o.db", direction="minimize")
            s.optimize(lambda t: (t.suggest_float("x", 0, 1) - 0.3) ** 2, n_trials=3)
            m = optuna.create_study(study_name="mo", storage="sqlite:///o.db", directions=["minimize", "maximize"])
            m.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)
            optuna.create_study(study_name="empty", storage="sqlite:///o.db")
            """)
        func report(_ name: String) throws -> [String] {
            let r = try project.run(["report", name, "--storage", "o.db", "--out", "r-\(name)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try String(contentsOfFile: project.path("r-\(name)/report.md"), encoding: .utf8).components(separatedBy: "\n")
        }
        func settings(_ md: [String]) -> [String] {
            Array(md.drop { $0 != "| setting | value |" }.prefix { !$0.isEmpty })
        }
        XCTAssertEqual(settings(try report("ext")), [
            "| setting | value |", "| --- | --- |", "| direction | minimize value |", "| sampler | unknown |", "| pruner | unknown |",
            "| max_trials, n_jobs | unknown |", "| runs per set | unknown |", "| trials | 3 complete |", "| config | unknown |"])
        XCTAssertEqual(settings(try report("mo"))[2], "| direction | 2 objectives: minimize values[0], maximize values[1] |")

        let empty = try report("empty")
        XCTAssertTrue(settings(empty).contains("| trials | none |"), empty.joined(separator: "\n"))
        // Every table: the header's column count on each line, a separator of dashes, then rows only.
        var tables: [[String]] = [], current: [String] = []
        for line in empty + [""] {
            if line.hasPrefix("|") { current.append(line) } else if !current.isEmpty { tables.append(current); current = [] }
        }
        XCTAssertGreaterThanOrEqual(tables.count, 3, empty.joined(separator: "\n"))
        for table in tables {
            let columns = table.map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
            XCTAssertEqual(Set(columns).count, 1, "a table with rows of different widths:\n\(table.joined(separator: "\n"))")
            XCTAssertGreaterThanOrEqual(table.count, 2)
            XCTAssertTrue(table[1].split(separator: "|").allSatisfy { $0.trimmingCharacters(in: .whitespaces) == "---" }, table[1])
        }
        let best = try XCTUnwrap(empty.firstIndex(of: "No set has a complete run yet."), empty.joined(separator: "\n"))
        XCTAssertEqual(empty[best - 1], "", "the sentence stands apart from any table")
    }

    /// L13: a `--new` whose kept name (`<study>-<time to the second>`) is taken, as a third
    /// `--new` within one second finds it, keeps the study as `<name>-2` (then -3, ...) instead of
    /// failing with "A study named ... already exists".
    func testNewKeepsEachEarlierStudyUnderANameOfItsOwn() throws {
        try project.write("nx.yaml", sweep("nx", maxTrials: 1))
        XCTAssertEqual(try project.run(["run", "--headless", "nx.yaml"]).status, 0)
        // Every name a study kept in the next two minutes would get is taken already.
        let taken = try runProgram("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys, time
            con = sqlite3.connect(sys.argv[1])
            now = time.time()
            for t in range(-2, 120):
                name = "nx-" + time.strftime("%Y%m%d-%H%M%S", time.localtime(now + t))
                con.execute("INSERT INTO studies (study_name) VALUES (?)", (name,))
                con.execute("INSERT INTO study_directions (direction, study_id, objective) VALUES ('MAXIMIZE', ?, 0)", (con.execute("SELECT last_insert_rowid()").fetchone()[0],))
            con.commit()
            """, project.path("data/hypertop.db")])
        XCTAssertEqual(taken.status, 0, taken.stderr)
        var kept: [String] = []
        for _ in 0..<2 {
            let r = try project.run(["run", "--headless", "--new", "nx.yaml"])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            let name = try XCTUnwrap(r.stdout.firstMatch(of: /Kept the earlier study as "(nx-\d{8}-\d{6}-\d+)"/)?.1, r.stdout)
            kept.append(String(name))
        }
        XCTAssertNotEqual(kept[0], kept[1])
        let names = try project.run(["studies", "--list"]).stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(names.count, 122 + 3, "\(names)")
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(names.contains("nx") && kept.allSatisfy(names.contains), "\(kept) \(names)")
    }

    /// L13: `--new` after the engine was killed (-9) ends the jobs it left, and marks their trials
    /// in the kept study FAIL with the reason (they used to stay RUNNING there for good).
    func testNewAfterAKilledEngineFailsTheKeptStudysRunningTrials() throws {
        try project.write("k.yaml", sweep("kx", maxTrials: 1))
        // Its job blocks until a signal ends it.
        let first = try project.start(["run", "--headless", "k.yaml"], environment: ["SLOW_FROM": "0"])
        XCTAssertTrue(project.waitFor(files: ["data/kx/0/pid"]), first.output.text)
        kill(first.pid, SIGKILL)
        first.waitUntilExit()
        let job = try XCTUnwrap(Int32(try String(contentsOfFile: project.path("data/kx/0/pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        addTeardownBlock { if processIsLive(job) { kill(job, SIGKILL) } }
        XCTAssertTrue(processIsLive(job), "the job outlives its engine")

        let r = try project.run(["run", "--headless", "--new", "k.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Marked trial(s) #0 of the earlier study FAIL: the engine that ran them is gone, and their jobs were ended"), r.stdout)
        XCTAssertFalse(processIsLive(job), "the dead engine's job was ended")
        let kept = try XCTUnwrap(r.stdout.firstMatch(of: /Kept the earlier study as "(kx-[0-9-]+)"/)?.1, r.stdout)
        XCTAssertEqual(try python("""
            t = optuna.load_study(study_name="\(kept)", storage="sqlite:///data/hypertop.db").trials[0]
            print(t.state.name, t.system_attrs["hypertop:fail_reason"].startswith("the engine running this trial stopped"))
            """), "FAIL True")
        XCTAssertTrue(r.stdout.contains("Trials: 1 (1 COMPLETE)"), "the new study runs as ever:\n\(r.stdout)")
    }

    /// Runs `argv` as a user who may not write what the test made: `nobody` when the tests run as
    /// root (whom a read-only mode does not stop), else this user.
    func asAnotherUser(_ argv: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard getuid() == 0 else { return try runProgram(argv[0], Array(argv.dropFirst()), in: URL(fileURLWithPath: project.root)) }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw missingTool("setpriv (util-linux) is not installed") }
        return try runProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups"] + argv, in: URL(fileURLWithPath: project.root))
    }

    /// L4: after a run the store is in rollback-journal mode, as Optuna's own storage leaves it, with
    /// no -wal or -shm beside it. A copy in a read-only directory, read by another user, is read by
    /// `best`, `studies --list` and Python optuna; a copy still in WAL (its engine was killed before
    /// it closed the store) is read by hypertop too.
    func testAfterARunTheStoreIsReadableFromAReadOnlyDirectoryByAnotherUser() throws {
        try project.write("w.yaml", sweep("wal"))
        XCTAssertEqual(try project.run(["run", "--headless", "w.yaml"]).status, 0)
        XCTAssertEqual(try runProgram("/usr/bin/env", ["python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0])",
                                                        project.path("data/hypertop.db")]).stdout, "delete\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: project.path("data"))
        XCTAssertFalse(files.contains { $0.hasSuffix("-wal") || $0.hasSuffix("-shm") }, "\(files)")

        let best = try project.run(["best", "wal"]).stdout
        XCTAssertFalse(best.isEmpty)
        for (dir, wal) in [("ro", false), ("ro-wal", true)] {
            try FileManager.default.createDirectory(atPath: project.path(dir), withIntermediateDirectories: false)
            try FileManager.default.copyItem(atPath: project.path("data/hypertop.db"), toPath: project.path("\(dir)/hypertop.db"))
            if wal {
                _ = try runProgram("/usr/bin/env", ["python3", "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode = WAL')",
                                                    project.path("\(dir)/hypertop.db")])
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: project.path("\(dir)/hypertop.db"))
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: project.path(dir))
            addTeardownBlock { [root = project.root] in try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/" + dir) }

            let store = project.path("\(dir)/hypertop.db")
            let list = try asAnotherUser([SweepProject.binary, "studies", "--list", store])
            XCTAssertEqual(list.status, 0, "\(dir): \(list.stderr)")
            XCTAssertTrue(list.stdout.contains("\nwal "), "\(dir): \(list.stdout)")
            let read = try asAnotherUser([SweepProject.binary, "best", "wal", "--storage", store])
            XCTAssertEqual(read.status, 0, "\(dir): \(read.stderr)")
            XCTAssertEqual(read.stdout, best, dir)
            if !wal {
                let python = try asAnotherUser([try optunaPython(), "-c",
                    "import optuna, sys; print(len(optuna.load_study(study_name='wal', storage='sqlite:///' + sys.argv[1]).trials))", store])
                XCTAssertEqual(python.status, 0, python.stderr)
                XCTAssertEqual(python.stdout, "2\n")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project.path(dir)), ["hypertop.db"], "nothing was written beside it")
        }
    }
}
