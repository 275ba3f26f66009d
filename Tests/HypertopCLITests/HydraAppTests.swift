import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import XCTest

/// Sweeps real Hydra apps (hydra-core in .venv, the upstream plugin in .venv-upstream) unchanged,
/// with the real `hypertop` binary, as a user would run it from the project's root.
final class HydraAppTests: XCTestCase {
    static let apps = SweepProject.packageRoot.appendingPathComponent("Tests/Fixtures/HydraApps")
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("hydra") }

    override func tearDownWithError() throws { project?.remove() }

    /// Copies a fixture app (its conf/, its code) into the project.
    func copyApp(_ name: String) throws {
        try project.copy(contentsOf: Self.apps.appendingPathComponent(name).path)
    }

    /// The Scilab-shaped toy app, its sweep file edited by `replacing` (text, by); returns the Python to run it with.
    func toyProject(replacing edits: [(String, String)] = []) throws -> String {
        let python = try TestSupport.python(in: ".venv", importing: "hydra", install: "scripts/install-deps.sh --python")
        try copyApp("scilab_toy")
        let config = project.path("conf/performance/Toy/sac-opti.yaml")
        var text = try String(contentsOfFile: config, encoding: .utf8)
        for (old, new) in edits {
            XCTAssertTrue(text.contains(old), old)
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return python
    }

    /// `hypertop ARGS` in the project with `python`'s directory first on PATH.
    func hypertop(_ args: [String], python: String, timeout: Double = 240) throws -> SweepProject.Output {
        let path = (python as NSString).deletingLastPathComponent + ":" + (project.environment["PATH"] ?? "/usr/bin:/bin")
        return try project.run(args, environment: ["PATH": path, "OMP_NUM_THREADS": "1"], timeout: timeout)
    }

    func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], path)
    }

    func trialDirs(_ study: String) throws -> [String] {
        let dir = project.path("data/" + study)
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { Int($0) != nil }
            .sorted { Int($0)! < Int($1)! }.map { dir + "/" + $0 }
    }

    /// The success rates a trial printed in stable-baselines3's table, as hypertop parses them.
    func printedRates(_ trialDir: String) throws -> [Double] {
        let text = try String(contentsOfFile: trialDir + "/stdout.log", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard line.contains("success_rate") else { return nil }
            return Double(line.split(separator: "|")[1].trimmingCharacters(in: .whitespaces))
        }
    }

    func testScilabShapedAppIsSweptUnchanged() throws {
        let python = try toyProject()
        let r = try hypertop(["run", "--headless", "--seed", "5", "conf/performance/Toy/sac-opti.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Job: \(python.hasSuffix("python3") ? "python3" : "python") src/main.py (in \(URL(fileURLWithPath: project.root).standardizedFileURL.path))"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Trials: 6 (6 COMPLETE)"), r.stdout)
        print("Scilab-shaped sweep: 6 trials in \(String(format: "%.1f", r.seconds)) s; " + (r.stdout.split(separator: "\n").first { $0.hasPrefix("Best value") } ?? ""))
        var caps: [Int] = []
        for dir in try trialDirs("sac_Toy") {
            // The job saw the sweep file's keys, main.yaml's, and the sampled values; Hydra wrote into the trial dir.
            let seen = try json(dir + "/seen.json")
            let algorithm = try XCTUnwrap(seen["algorithm"] as? [String: Any])
            XCTAssertEqual(algorithm["use_her"] as? Bool, true, "the sweep file's algorithm.use_her")
            XCTAssertEqual(seen["early_stop_last_n"] as? Int, 2, "main.yaml's value")
            XCTAssertEqual(seen["env"] as? String, "Toy-v0")
            let params = try XCTUnwrap(try json(dir + "/params.json")["params"] as? [String: Any])
            XCTAssertEqual(algorithm["learning_rate"] as? Double, params["++algorithm.learning_rate"] as? Double)
            XCTAssertEqual(algorithm["critic_select"] as? String, params["++algorithm.critic_select"] as? String)
            let netArch = try XCTUnwrap((algorithm["policy_kwargs"] as? [String: Any])?["net_arch"] as? [Int])
            XCTAssertEqual(netArch, params["++algorithm.policy_kwargs.net_arch"] as? [Int])
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/.hydra/overrides.yaml"), "hydra.run.dir is the trial dir")
            caps.append(try XCTUnwrap(seen["n_epochs"] as? Int))
            // The score is Scilab-RL devel's rule (the app returns nothing), on what the job printed:
            // (mean(h) + mean of the last max(1, E // 5)) / E.
            let h = try printedRates(dir)
            XCTAssertFalse(h.isEmpty)
            let last = max(1, h.count / 5)
            let expected = (h.reduce(0, +) / Double(h.count) + h.suffix(last).reduce(0, +) / Double(last)) / Double(h.count)
            let outcome = try json(dir + "/outcome.json")
            XCTAssertEqual(outcome["state"] as? String, "COMPLETE")
            XCTAssertEqual(try XCTUnwrap(outcome["score"] as? Double), expected, accuracy: 1e-12, dir)
        }
        XCTAssertEqual(caps.first, 5, "the first trial gets the sweep file's n_epochs")
        XCTAssertTrue(caps.allSatisfy { $0 <= 5 && $0 >= 1 }, "\(caps)")
    }

    /// A Scilab-RL command line pasted as it is: the overrides after the file shrink the budget and
    /// reach every trial, `--multirun` is ignored, and an app that names its MLflow experiment
    /// after `hydra.sweeper.study_name` (Scilab-RL's `setup_mlflow`) files every run under the study.
    func testCommandLineOverridesAndTheStudyNameReachTheApp() throws {
        let python = try toyProject()
        let mainConfig = project.path("conf/main.yaml")
        let main = try String(contentsOfFile: mainConfig, encoding: .utf8)
        try main.replacingOccurrences(of: "  - algorithm: sac\n", with: "  - algorithm: sac\n  - override hydra/sweeper: optuna\n")
            .write(toFile: mainConfig, atomically: true, encoding: .utf8)
        // The file store and the study's experiment exist before the trials start, as after a
        // first run: two trials creating them at once is MLflow's own race, which once filed a
        // run under "Default" here. Where each run goes still depends on the study's name only.
        let store = try runProgram(python, ["-c", """
            import os, mlflow
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
            mlflow.set_tracking_uri("file://" + os.path.abspath("mlruns"))
            mlflow.set_experiment("sac_Toy")
            """], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(store.status, 0, "mlflow could not create the experiment: \(store.stderr)")
        let r = try hypertop(["run", "--headless", "--seed", "5", "conf/performance/Toy/sac-opti.yaml", "hydra.sweeper.max_trials=2",
                              "n_epochs=2", "+mlflow=true", "++algorithm.batch_size=32", "++return_score=true", "--multirun"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 2 (2 COMPLETE)"), r.stdout)
        let dirs = try trialDirs("sac_Toy")
        XCTAssertEqual(dirs.count, 2)
        for dir in dirs {
            let seen = try json(dir + "/seen.json")
            XCTAssertEqual(seen["n_epochs"] as? Int, 2, "the command line's n_epochs is the epoch cap's start")
            XCTAssertEqual((seen["algorithm"] as? [String: Any])?["batch_size"] as? Int, 32)
            XCTAssertEqual(seen["mlflow"] as? Bool, true)
        }
        // MLflow's file store: both runs under the study's name. (Two trials that start together
        // may each create the experiment, MLflow's own race: runs are counted by name.)
        var experiments: [String: Int] = [:]
        for id in try FileManager.default.contentsOfDirectory(atPath: project.path("mlruns")) {
            guard let meta = try? String(contentsOfFile: project.path("mlruns/\(id)/meta.yaml"), encoding: .utf8),
                  let name = meta.split(separator: "\n").first(where: { $0.hasPrefix("name: ") })?.dropFirst(6) else { continue }
            let runs = try FileManager.default.contentsOfDirectory(atPath: project.path("mlruns/\(id)")).filter { $0 != "meta.yaml" }
            experiments[String(name), default: 0] += runs.count
        }
        XCTAssertEqual(experiments["sac_Toy"], 2, "\(experiments)")
        XCTAssertEqual(experiments["Default"] ?? 0, 0, "no run under Default: \(experiments)")
        // The store keeps the overrides the study was started with.
        let export = try hypertop(["studies", "data/hypertop.db", "--export", "sac_Toy"], python: python)
        XCTAssertEqual(export.status, 0, export.stderr)
        let exported = try String(contentsOfFile: project.path("sac_Toy.json"), encoding: .utf8)
        XCTAssertTrue(exported.contains("+mlflow=true"), exported.prefix(2000).description)
        // The app returned its score: Optuna reads exactly that value from the store, bit for bit.
        let optuna = try runProgram(python, ["-c", """
            import json, optuna
            s = optuna.load_study(study_name="sac_Toy", storage="sqlite:///data/hypertop.db")
            for t in s.trials:
                v = json.load(open("data/sac_Toy/%d/returned.json" % t.number))["value"]
                assert t.value == v, (t.number, t.value, v)
            print("exact", len(s.trials))
            """], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(optuna.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "exact 2", optuna.stderr)
        let report = try hypertop(["report", "sac_Toy", "--out", "rep"], python: python)
        XCTAssertEqual(report.status, 0, report.stderr)
        let md = try String(contentsOfFile: project.path("rep/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| direction | maximize returned by the app |"), "the app logs its criterion too, but returned the score: \(md)")
    }

    /// `hypertop best`: the override line, pasted after `python src/main.py` in a shell, makes the
    /// real app compose the config the best set's trials had; YAML and JSON give the same set.
    func testBestOverrideLineReproducesTheBestSetsConfig() throws {
        let python = try toyProject()
        let r = try hypertop(["run", "--headless", "--seed", "5", "conf/performance/Toy/sac-opti.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let json = try hypertop(["best", "sac_Toy", "--format", "json"], python: python)
        XCTAssertEqual(json.status, 0, json.stderr)
        let best = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
        let params = try XCTUnwrap(best["params"] as? [String: Any])
        let first = try XCTUnwrap(best["first_trial"] as? Int)
        // Foundation's JSON reader may round the last digit: compare as numbers.
        let printed = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("Best value: ") }.flatMap { Double($0.dropFirst(12)) }, r.stdout)
        XCTAssertEqual(printed, try XCTUnwrap(best["value"] as? Double), accuracy: 1e-12 * abs(printed), "the run's own summary agrees")
        let line = try hypertop(["best", "sac_Toy"], python: python)
        XCTAssertEqual(line.status, 0, line.stderr)
        let overrides = line.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(overrides.contains("'++algorithm.policy_kwargs.net_arch=["), "a list is quoted for the shell: \(overrides)")
        // As a user would: the line pasted into a shell command.
        let out = project.path("best-run")
        let shell = try runProgram("/bin/sh", ["-c", "cd \(project.root) && \(python) src/main.py \(overrides) hydra.run.dir=\(out) n_epochs=1"])
        XCTAssertEqual(shell.status, 0, shell.stderr)
        let seen = try self.json(out + "/seen.json")
        let trialSeen = try self.json(try trialDirs("sac_Toy")[first] + "/seen.json")
        let algorithm = try XCTUnwrap(seen["algorithm"] as? [String: Any]), trialAlgorithm = try XCTUnwrap(trialSeen["algorithm"] as? [String: Any])
        XCTAssertEqual(algorithm as NSDictionary, trialAlgorithm as NSDictionary, "the best set's algorithm config, key for key")
        XCTAssertEqual(algorithm["learning_rate"] as? Double, params["++algorithm.learning_rate"] as? Double)
        XCTAssertEqual(seen["env"] as? String, trialSeen["env"] as? String, "the sweep file's own keys came too (+performance)")
        let yaml = try hypertop(["best", "sac_Toy", "--format", "yaml"], python: python)
        XCTAssertEqual(yaml.status, 0, yaml.stderr)
        let yamlLines = yaml.stdout.split(separator: "\n")
        XCTAssertEqual(yamlLines.first, "algorithm:", yaml.stdout)
        let lrText = try XCTUnwrap(yamlLines.dropFirst().first?.split(separator: ":").last).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(try XCTUnwrap(Double(lrText)), try XCTUnwrap(params["++algorithm.learning_rate"] as? Double), accuracy: 1e-18, yaml.stdout)
        XCTAssertTrue(yaml.stdout.contains("  policy_kwargs:\n    net_arch: ["), yaml.stdout)
        let missing = try hypertop(["best", "nope"], python: python)
        XCTAssertEqual(missing.status, 2, "a user error, as every command reports one")

        // `hypertop report`: the Markdown and its charts, well-formed SVG whose figures are the store's.
        let report = try hypertop(["report", "sac_Toy", "--out", "rep"], python: python)
        XCTAssertEqual(report.status, 0, report.stderr)
        let rep = project.path("rep/")
        for file in ["report.md", "history.svg", "importance.svg", "slices.svg", "history.png", "importance.png", "slices.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: rep + file), "\(file) missing; \(report.stdout)")
        }
        final class Counter: NSObject, XMLParserDelegate {
            var circles = 0, shares: [String: Double] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "circle", attributes["class"] == "trial" { circles += 1 }
                if name == "rect", attributes["class"] == "importance", let p = attributes["data-param"], let v = attributes["data-share"].flatMap(Double.init) { shares[p] = v }
            }
        }
        var counts: [String: Counter] = [:]
        for file in ["history.svg", "importance.svg", "slices.svg"] {
            let parser = try XCTUnwrap(XMLParser(contentsOf: URL(fileURLWithPath: rep + file)))
            let counter = Counter()
            parser.delegate = counter
            XCTAssertTrue(parser.parse(), "\(file) is not well-formed XML: \(String(describing: parser.parserError))")
            counts[file] = counter
        }
        XCTAssertEqual(counts["history.svg"]?.circles, 6, "one point per complete trial")
        XCTAssertEqual(counts["slices.svg"]?.circles, 6 * 3, "one point per complete trial and parameter")
        _ = try hypertop(["studies", "data/hypertop.db", "--export", "sac_Toy"], python: python)
        let exported = try self.json(project.path("sac_Toy.json"))
        for entry in try XCTUnwrap(exported["importance"] as? [[String: Any]]) {
            let name = try XCTUnwrap(entry["param"] as? String)
            XCTAssertEqual(try XCTUnwrap(counts["importance.svg"]?.shares[name]), try XCTUnwrap(entry["importance"] as? Double), accuracy: 1e-9, name)
        }
        let md = try String(contentsOfFile: rep + "report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("# Study sac_Toy") && md.contains("![history](history.png)"), md)
        let firstRow = try XCTUnwrap(md.split(separator: "\n").first { $0.hasPrefix("| 1 |") })
        let mean = try XCTUnwrap(Double(firstRow.split(separator: "|")[1].trimmingCharacters(in: .whitespaces)))
        XCTAssertEqual(mean, try XCTUnwrap(best["value"] as? Double), accuracy: 1e-3 * abs(mean), String(firstRow))
        XCTAssertTrue(missing.stderr.contains("no study named \"nope\""), missing.stderr)
    }

    /// `hypertop best` reproduces the best set's trial, whatever its values hold (spaces, quotes,
    /// `$`, nested lists), in each of its forms: `--exec` (the README's), `eval "... $(hypertop best)"`
    /// and `--format args0 | xargs -0`. The job composes the config the trial had, key for key,
    /// with the file's job keys, the command line's and the epoch cap it ran with.
    func testBestReproducesATrialWithAwkwardValues() throws {
        let python = try toyProject(replacing: [("        choices: [min, max]\n", """
                    choices: [min, max]
                  ++algorithm.note:
                    type: categorical
                    choices: ['it''s a "b" c $HOME']
                  ++algorithm.extra:
                    type: categorical
                    choices: [[[1, 2], [3]]]

            """)])
        let r = try hypertop(["run", "--headless", "--seed", "3", "conf/performance/Toy/sac-opti.yaml", "hydra.sweeper.max_trials=2",
                              "n_epochs=3", "++algorithm.batch_size=48"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let json = try hypertop(["best", "sac_Toy", "--format", "json"], python: python)
        let best = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
        let trialSeen = try self.json(try trialDirs("sac_Toy")[try XCTUnwrap(best["first_trial"] as? Int)] + "/seen.json")
        let algorithm = try XCTUnwrap(trialSeen["algorithm"] as? [String: Any])
        XCTAssertEqual(algorithm["note"] as? String, "it's a \"b\" c $HOME")
        XCTAssertEqual(trialSeen["n_epochs"] as? Int, 3)
        XCTAssertEqual(algorithm["batch_size"] as? Int, 48)
        let bin = SweepProject.binary
        let env = "PATH=\((python as NSString).deletingLastPathComponent):$PATH"
        let forms = [
            "exec": "\(env) \(bin) best sac_Toy --exec -- python src/main.py hydra.run.dir=\(project.root)/r-exec",
            "eval": "export \(env); eval \"python src/main.py $(\(bin) best sac_Toy) hydra.run.dir=\(project.root)/r-eval\"",
            "args0": "export \(env); \(bin) best sac_Toy --format args0 | xargs -0 python src/main.py hydra.run.dir=\(project.root)/r-args0",
        ]
        for (form, command) in forms {
            let shell = try runProgram("/bin/sh", ["-c", "cd \(project.root) && \(command)"])
            XCTAssertEqual(shell.status, 0, "\(form): \(shell.stderr)")
            let seen = try self.json(project.path("r-\(form)/seen.json"))
            XCTAssertEqual(seen as NSDictionary, trialSeen as NSDictionary, "\(form): the trial's whole config, key for key")
        }
    }

    /// Scilab-RL's epoch cap: a trial that early-stopped after E evaluations caps later ones at int(E * 1.5).
    func testEpochCapShortensTrialsAfterAnEarlyStop() throws {
        let python = try toyProject(replacing: [("early_stop_threshold: 0.9", "early_stop_threshold: 0.0"), ("max_trials: 6", "max_trials: 3"),
                                                ("n_jobs: 2", "n_jobs: 1")])
        let r = try hypertop(["run", "--headless", "conf/performance/Toy/sac-opti.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        // A threshold of 0 stops every trial once early_stop_last_n (2, from main.yaml) values exist.
        let seen = try trialDirs("sac_Toy").map { try json($0 + "/seen.json")["n_epochs"] as? Int }
        XCTAssertEqual(seen, [5, 3, 3])
        XCTAssertEqual(try trialDirs("sac_Toy").map { try printedRates($0).count }, [2, 2, 2])
    }

    /// A real stable-baselines3 learner (SAC on Pendulum-v1, a few seconds a trial): the sampled
    /// learning rate reaches the model, and the score comes from SB3's own progress.csv.
    func testRealStableBaselines3AppIsSwept() throws {
        let python = try TestSupport.python(in: ".venv", importing: "stable_baselines3", install: "scripts/install-deps.sh --python")
        try copyApp("sb3_pendulum")
        let r = try hypertop(["run", "--headless", "--seed", "2", "conf/performance/Pendulum/sac-opti.yaml"], python: python, timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 2 (2 COMPLETE)"), r.stdout)
        print("SB3 sweep: 2 trials in \(String(format: "%.1f", r.seconds)) s")
        for dir in try trialDirs("sac_Pendulum") {
            let csv = try String(contentsOfFile: dir + "/progress.csv", encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            func column(_ name: String) throws -> [Double] {
                let i = try XCTUnwrap(csv[0].firstIndex(of: name), name)
                return csv.dropFirst().compactMap { Double($0[i]) }
            }
            let params = try XCTUnwrap(try json(dir + "/params.json")["params"] as? [String: Any])
            let lr = try XCTUnwrap(params["++algorithm.learning_rate"] as? Double)
            // SB3 logs the rate its schedule computes, which can differ from the given one in the last bit.
            let logged = try column("train/learning_rate")
            XCTAssertEqual(logged.count, 2)
            for v in logged { XCTAssertEqual(v, lr, accuracy: lr * 1e-12, "the learner trained with the sampled rate") }
            let h = try column("eval/mean_reward")
            XCTAssertEqual(h.count, 2)
            // Scilab-RL devel's rule in its tree: E = 2, the last max(1, 2 // 5) = 1 value; the mean
            // reward is negative, so the sum is multiplied by E.
            let mean = h.reduce(0, +) / Double(h.count)
            XCTAssertLessThan(mean, 0)
            XCTAssertEqual(try XCTUnwrap(try json(dir + "/outcome.json")["score"] as? Double), (mean + h[1]) * 2, accuracy: 1e-9)
        }
    }

    func testReturnedObjectiveOfAnUpstreamPluginAppIsTheTrialValue() throws {
        let python = try TestSupport.python(in: ".venv-upstream", importing: "hydra_plugins.hydra_optuna_sweeper",
                                            install: "scripts/install-deps.sh --python installs hydra-optuna-sweeper there")
        try copyApp("upstream_sphere")
        let r = try hypertop(["run", "--headless", "conf/config.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 6 (6 COMPLETE)"), r.stdout)
        for dir in try trialDirs("sphere") {
            let returned = try XCTUnwrap(try json(dir + "/returned.json")["value"] as? Double, dir)
            XCTAssertEqual(try json(dir + "/outcome.json")["score"] as? Double, returned, "the recorded value is exactly what the app returned")
            let p = try XCTUnwrap(try json(dir + "/params.json")["params"] as? [String: Any])
            let (x, y, z, w) = (try XCTUnwrap(p["x"] as? Double), Double(try XCTUnwrap(p["y"] as? Int)), try XCTUnwrap(p["z"] as? Double),
                                try XCTUnwrap(p["w"] as? Double))
            XCTAssertEqual(returned, x * x + y * y + (z - 1) * (z - 1) + log10(w) * log10(w) / 10, accuracy: 1e-12)
            let command = try String(contentsOfFile: dir + "/command.txt", encoding: .utf8)
            XCTAssertTrue(command.contains("--config-name=config\n"), command)
        }
    }

    /// The same app where hydra-optuna-sweeper is not installed (it needs optuna < 3; .venv has
    /// optuna 5): its `override hydra/sweeper: optuna` still composes, through hypertop's
    /// stand-in, and every trial completes. (With the plugin, the test above: the stand-in steps aside.)
    func testAnUpstreamPluginAppRunsWhereThePluginIsNotInstalled() throws {
        let python = try TestSupport.python(in: ".venv", importing: "hydra", install: "scripts/install-deps.sh --python")
        let probe = try runProgram(python, ["-c", "try:\n import hydra_plugins.hydra_optuna_sweeper\n print('installed')\nexcept ImportError:\n print('absent')"])
        XCTAssertEqual(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "absent", "this test needs an environment without the plugin: \(probe.stderr)")
        try copyApp("upstream_sphere")
        let direct = try runProgram(python, ["sphere.py", "hydra.run.dir=\(project.root)/direct"], in: URL(fileURLWithPath: project.root))
        XCTAssertTrue(direct.stderr.contains("Could not find 'hydra/sweeper/optuna'"), "without hypertop the app does not compose here: \(direct.stderr)")
        let r = try hypertop(["run", "--headless", "conf/config.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 6 (6 COMPLETE)"), r.stdout + r.stderr)
        for dir in try trialDirs("sphere") {
            XCTAssertNotNil(try json(dir + "/returned.json")["value"] as? Double, dir)
        }
        // The report says what the scores are: the app's returned value (it logs no metric).
        XCTAssertEqual(try hypertop(["report", "sphere", "--out", "rep"], python: python).status, 0)
        let md = try String(contentsOfFile: project.path("rep/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| direction | minimize returned by the app |"), md)
        // rsvg-convert is installed with the test tools (scripts/install-deps.sh): the charts come as PNGs too.
        for chart in ["history", "importance", "slices"] {
            let png = FileManager.default.contents(atPath: project.path("rep/\(chart).png")) ?? Data()
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(chart).png is not a PNG")
        }
    }

    /// Issue 31: the upstream plugin's multi-objective example (an app returning a tuple, its
    /// config with `direction: [minimize, minimize]` and the nsgaii sampler group) runs unchanged.
    /// Python optuna opens the store as a two-objective study whose `best_trials` are hypertop's
    /// front, and optuna-dashboard serves it with the same front.
    func testTheUpstreamMultiObjectiveExampleRunsUnchanged() throws {
        let python = try TestSupport.python(in: ".venv", importing: "optuna_dashboard", install: "scripts/install-deps.sh --python")
        try copyApp("upstream_multi_objective")
        let r = try hypertop(["run", "--headless", "multi-objective-conf/config.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 20 (20 COMPLETE)"), r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Pareto front: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("COMPLETE: values "), "each trial's line lists both values: \(r.stdout)")
        for dir in try trialDirs("multi-objective") {
            let p = try XCTUnwrap(try json(dir + "/params.json")["params"] as? [String: Any])
            let (x, y) = (try XCTUnwrap(p["x"] as? Double), try XCTUnwrap(p["y"] as? Double))
            let values = try XCTUnwrap(try json(dir + "/returned.json")["values"] as? [Double], dir)
            XCTAssertEqual(values, [4 * x * x + 4 * y * y, (x - 5) * (x - 5) + (y - 5) * (y - 5)], dir)
        }
        // hypertop's front, as `best` prints it for scripts.
        let best = try hypertop(["best", "multi-objective", "--format", "json"], python: python)
        XCTAssertEqual(best.status, 0, best.stderr)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(best.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(parsed["directions"] as? [String], ["minimize", "minimize"])
        let front = try XCTUnwrap(parsed["front"] as? [[String: Any]])
        XCTAssertFalse(front.isEmpty)
        func key(_ params: [String: Any]) -> String {
            ["x", "y"].map { String(format: "%.3f", (params[$0] as? Double) ?? .nan) }.joined(separator: ",")
        }
        let ours = Set(front.map { key($0["params"] as? [String: Any] ?? [:]) })
        // Optuna's own reading of the store, and optuna-dashboard's (its study API, through WSGI).
        let script = """
            import io, json, sys, optuna
            from optuna_dashboard import wsgi
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.load_study(study_name="multi-objective", storage="sqlite:///data/hypertop.db")
            print(",".join(d.name for d in s.directions))
            print(all(len(t.values) == 2 for t in s.trials if t.state.name == "COMPLETE"))
            print(";".join(sorted({"%.3f,%.3f" % (t.params["x"], t.params["y"]) for t in s.best_trials})))
            app = wsgi("sqlite:///data/hypertop.db")
            status = []
            env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/studies/%d" % s._study_id, "QUERY_STRING": "",
                   "SERVER_NAME": "x", "SERVER_PORT": "80", "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http",
                   "wsgi.errors": sys.stderr}
            body = b"".join(app(env, lambda st, headers, exc=None: status.append(st)))
            detail = json.loads(body)
            print(status[0])
            print(";".join(sorted({"%.3f,%.3f" % tuple(float(next(q["param_external_value"] for q in t["params"] if q["name"] == n)) for n in ("x", "y")) for t in detail["best_trials"]})))
            """
        let out = try runProgram(python, ["-c", script], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(out.status, 0, out.stderr)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, out.stdout)
        guard lines.count == 5 else { return }
        XCTAssertEqual(lines[0], "MINIMIZE,MINIMIZE")
        XCTAssertEqual(lines[1], "True", "every complete trial has both values")
        XCTAssertEqual(Set(lines[2].split(separator: ";").map(String.init)), ours, "Optuna's best_trials are hypertop's front")
        XCTAssertEqual(lines[3], "200 OK")
        XCTAssertEqual(Set(lines[4].split(separator: ";").map(String.init)), ours, "optuna-dashboard's front is hypertop's")
    }

    /// Issue 31: constraints. An app returns a dict; `hyperopt_criterion` names the two objectives
    /// in it and `constraints` the value that must be <= 0. The store keeps each trial's
    /// constraints where Optuna 5 keeps `trial.constraints`; Optuna's `best_trials` (which leaves
    /// infeasible trials out) are hypertop's front, and no infeasible set is on it.
    func testConstraintsFromAReturnedDictReachOptunaAndKeepInfeasibleSetsOffTheFront() throws {
        let python = try TestSupport.python(in: ".venv", importing: "hydra", install: "scripts/install-deps.sh --python")
        _ = try project.write("app.py", """
            import hydra
            from omegaconf import DictConfig

            @hydra.main(version_base=None, config_path="conf", config_name="config")
            def main(cfg: DictConfig):
                x, y = float(cfg.x), float(cfg.y)
                return {"f1": x, "f2": (x - 2) ** 2 + y, "over": x - 1.5, "note": "text is passed over"}

            if __name__ == "__main__":
                main()
            """)
        _ = try project.write("conf/config.yaml", """
            defaults:
              - override hydra/sweeper: optuna
            hyperopt_criterion: [f1, f2]
            x: 0
            y: 0
            hydra:
              sweeper:
                direction: [minimize, minimize]
                constraints: [over]
                study_name: constrained
                max_trials: 14
                n_jobs: 2
                seed: 4
                sampler: {type: nsgaii, population_size: 6}
                params:
                  x: interval(0, 3)
                  y: interval(0, 1)
            """)
        let r = try hypertop(["run", "--headless", "conf/config.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 14 (14 COMPLETE)"), r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("(infeasible: constraints "), "some trials land past x = 1.5: \(r.stdout)")
        let best = try hypertop(["best", "constrained", "--format", "json"], python: python)
        XCTAssertEqual(best.status, 0, best.stderr)
        let front = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(best.stdout.utf8)) as? [String: Any])?["front"] as? [[String: Any]])
        XCTAssertFalse(front.isEmpty)
        var ours = Set<String>()
        for set in front {
            let c = try XCTUnwrap(set["constraints"] as? [Double])
            XCTAssertLessThanOrEqual(c[0], 0, "an infeasible set is never on the front")
            let p = try XCTUnwrap(set["params"] as? [String: Any])
            ours.insert(String(format: "%.6f,%.6f", try XCTUnwrap(p["x"] as? Double), try XCTUnwrap(p["y"] as? Double)))
        }
        let out = try runProgram(python, ["-c", """
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.load_study(study_name="constrained", storage="sqlite:///data/hypertop.db")
            done = [t for t in s.trials if t.state.name == "COMPLETE"]
            print(all(abs(t.system_attrs["constraints"][0] - (t.params["x"] - 1.5)) < 1e-12 for t in done))
            print(any(t.system_attrs["constraints"][0] > 0 for t in done))
            print(";".join(sorted("%.6f,%.6f" % (t.params["x"], t.params["y"]) for t in s.best_trials)))
            """], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(out.status, 0, out.stderr)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, out.stdout)
        guard lines.count == 3 else { return }
        XCTAssertEqual(lines[0], "True", "each trial's constraint is where Optuna reads it")
        XCTAssertEqual(lines[1], "True", "the study has infeasible trials")
        XCTAssertEqual(Set(lines[2].split(separator: ";").map(String.init)), ours, "Optuna's feasible front is hypertop's")
    }

    func testBrokenAppStopsFastWithTheExceptionLine() throws {
        let python = try toyProject(replacing: [("env: 'Toy-v0'", "env: 'Toy-v0'\ncrash: true")])
        let r = try hypertop(["run", "--headless", "conf/performance/Toy/sac-opti.yaml"], python: python)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("the study stopped: the first 3 trials all failed (max_initial_failures: 3); the last: exit status 1: ValueError: simulated crash in the toy app"), r.stderr)
        let launched = try trialDirs("sac_Toy").count
        XCTAssertLessThan(launched, 6, "it stops launching instead of burning the budget")
        print("Broken app: stopped after \(launched) trials in \(String(format: "%.1f", r.seconds)) s")
    }

    func testScilabPerformanceFileGivenToAStockAppShowsHydrasReason() throws {
        let python = try toyProject(replacing: [("    n_jobs: 2\n", "    n_jobs: 1\n    pass_config: performance\n")])
        let r = try hypertop(["run", "--headless", "conf/performance/Toy/sac-opti.yaml"], python: python)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("ConfigKeyError raised while composing config: Key 'study_name' not in 'BasicSweeperConf'"), r.stderr)
    }

    func testPerformanceTestsSharingAStudyNameNeverCollide() throws {
        let python = try toyProject()
        let test = project.path("conf/performance/Toy/sac-test.yaml")
        try FileManager.default.copyItem(atPath: test, toPath: project.path("conf/performance/Toy/sac2-test.yaml"))
        let first = try hypertop(["test", "conf/performance/Toy/sac-test.yaml"], python: python)
        let second = try hypertop(["test", "conf/performance/Toy/sac2-test.yaml"], python: python)
        let again = try hypertop(["test", "conf/performance/Toy/sac-test.yaml"], python: python)
        for r in [first, second, again] {
            XCTAssertTrue(r.status == 0 || r.status == 1, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("Performance test sac_Toy_test"), r.stdout)
            XCTAssertFalse((r.stdout + r.stderr).contains("Error Domain"), r.stderr)
        }
        let runs = try FileManager.default.contentsOfDirectory(atPath: project.path("data/sac_Toy_test"))
        XCTAssertEqual(runs.count, 3, "\(runs)")
        let seen = try json(project.path("data/sac_Toy_test/") + runs.sorted()[0] + "/0/seen.json")
        XCTAssertEqual(seen["n_epochs"] as? Int, 4, "max_steps 400 / eval_after_n_steps 100 from main.yaml")
    }
}
