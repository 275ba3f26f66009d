import Foundation
import TestSupport
import XCTest

/// `hypertop check` and `run` on W&B sweep files as W&B's documentation and examples write them
/// (Fixtures/wandb), and on hypertop's own format driving an argparse script with `${args}`.
final class WandbSweepFileTests: XCTestCase {
    static let fixtures = SweepProject.packageRoot.appendingPathComponent("Tests/HypertopCLITests/Fixtures/wandb").path

    /// A project holding the fixtures and the programs they name.
    func project() throws -> SweepProject {
        let p = try SweepProject("wandb")
        try p.copy(contentsOf: Self.fixtures)
        for program in ["train.py", "train-nested-cli.py", "main.py", "run.py", "sweep_nest.py"] { try p.write(program, "print('hi')\n") }
        return p
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    func testWandBsOwnExamplesCheck() throws {
        let p = try project()
        defer { p.remove() }
        let files = ["docs-sweepdemo-bayes.yaml", "docs-bayes-hyperband.yaml", "docs-custom-command.yaml", "sweeps-nested-grid.yaml",
                     "examples-hydra-args-no-hyphens.yaml", "examples-random-hyperband.yaml"]
        for file in files {
            let r = try p.run(["check", file])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stdout) \(r.stderr)")
            XCTAssertTrue(r.stdout.hasPrefix("ok \(file): "), r.stdout)
        }
        // The sampler bayes maps to, and why; the pruner early_terminate maps to; the constants.
        let hyperband = lines(try p.run(["check", "docs-bayes-hyperband.yaml"]).stdout)
        XCTAssertEqual(hyperband[1], "  W&B sweep: method bayes → sampler tpe (bayes → TPE: `dropout` is categorical (and 6 more), and TPE models choices directly; hypertop's GP takes spaces of numbers only)")
        XCTAssertEqual(hyperband[2], "  early_terminate → pruner W&B's hyperband: judged at evaluations 3, 9; a run goes on while among the best 1/3 there, by its value at the band (strict)")
        XCTAssertEqual(hyperband[3], "  every trial gets epochs=27")
        // The first trial's exact argv, the macros expanded: W&B's default command, the values sorted
        // by name, `1e-5` as W&B's YAML reader reads it (text).
        let argv = try XCTUnwrap(hyperband.firstIndex { $0.hasPrefix("  first trial") }).advanced(by: 1)
        XCTAssertTrue(hyperband[argv].hasPrefix("    /usr/bin/env python train.py --decay=1e-"), hyperband[argv])
        XCTAssertTrue(hyperband[argv].contains(" --epochs=27 --hidden_layer_size="), hyperband[argv])
        // Nested parameters reach the program as one mapping, as W&B passes them.
        let nested = lines(try p.run(["check", "sweeps-nested-grid.yaml"]).stdout)
        XCTAssertTrue(nested[0].contains("3 parameters (batch_size, optimizer.lr, optimizer.nadam.beta), minimize, 8 trials, 1 at a time, sampler grid"), nested[0])
        XCTAssertTrue(nested.contains { $0.hasPrefix("    /usr/bin/env python train-nested-cli.py --batch_size=") && $0.contains("'--optimizer={'\\''lr'\\'': 0.") }, "\(nested)")
        XCTAssertTrue(nested.contains("  W&B project sweeps-examples"))
        // Hydra-style key=value words for a Hydra app.
        let hydra = try p.run(["check", "examples-hydra-args-no-hyphens.yaml"]).stdout
        XCTAssertTrue(lines(hydra).contains { $0.hasPrefix("    /usr/bin/env python main.py experiment=expt") && $0.contains(" optimizer.config.learning_rate=0.") }, hydra)
        // The docs' "custom macros" inside a word reach the program as written, which is said.
        let custom = try p.run(["check", "docs-custom-command.yaml"]).stdout
        XCTAssertTrue(custom.contains(":11: `--batch_size=${batch_size}`: W&B's agent expands a macro only when it is the whole word"), custom)
        // The docs' nested example draws batch_size on a stepped log scale, which no Optuna distribution does.
        let refused = try p.run(["check", "docs-nested-random.yaml"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stdout.contains("docs-nested-random.yaml:23: parameter `batch_size` (q_log_uniform_values): W&B draws multiples of 8 on a log scale"), refused.stdout)
    }

    func testOverridesAndJobs() throws {
        let p = try project()
        defer { p.remove() }
        let r = try p.run(["check", "docs-sweepdemo-bayes.yaml", "run_cap=6", "--jobs", "3"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains(", minimize, 6 trials, 3 at a time, sampler tpe"), r.stdout)
        XCTAssertFalse(r.stdout.contains("no `run_cap`"), "run_cap came from the command line")
        let own = try p.run(["check", "hypertop-args.yaml", "--jobs", "4"])
        XCTAssertTrue(own.stdout.contains(", 4 trials, 4 at a time, "), own.stdout)
        let bad = try p.run(["check", "docs-sweepdemo-bayes.yaml", "epochs=3"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stdout.contains("command-line override `epochs=3`: Additional properties are not allowed ('epochs' was unexpected)"), bad.stdout)
        XCTAssertEqual(try p.run(["check", "docs-sweepdemo-bayes.yaml", "--jobs", "0"]).status, 64, "--jobs is at least 1")
    }

    /// hypertop's own format with `command: [python, train.py, "${args}"]`: the argparse script
    /// gets `--key=value` words and nothing of Hydra's.
    func testHypertopsFormatDrivesAnArgparseScript() throws {
        let p = try project()
        defer { p.remove() }
        let r = try p.run(["check", "hypertop-args.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let argv = try XCTUnwrap(lines(r.stdout).first { $0.hasPrefix("    python train.py") })
        XCTAssertTrue(argv.hasPrefix("    python train.py --batch_size=64 --lr=0."), argv)
        XCTAssertTrue(argv.contains(" --layers=") && argv.contains(" --act=") && argv.contains(" --fast="), argv)
        XCTAssertTrue(argv.contains(" --seed="), argv)
        XCTAssertFalse(argv.contains("hydra."), argv)
    }

    /// A W&B grid sweep run for real: each trial's argv is the expanded command, its args.json is
    /// written, and metric.target ends the study once a trial reaches it.
    func testARunStopsAtTheTarget() throws {
        let p = try SweepProject("wandb-run")
        defer { p.remove() }
        let python = try optunaPython()
        // As an activated virtual environment puts it: `/usr/bin/env python` finds it first.
        p.environment["PATH"] = (python as NSString).deletingLastPathComponent + ":" + (p.environment["PATH"] ?? "/usr/bin:/bin")
        try p.write("train.py", """
            import argparse, json, os
            parser = argparse.ArgumentParser()
            parser.add_argument("--x", type=float)
            parser.add_argument("--flag")
            parser.add_argument("--opt")
            parser.add_argument("config")
            args = parser.parse_args()
            with open(args.config) as f:
                assert json.load(f)["x"] == args.x
            with open(os.environ["HYPERTOP_METRICS"], "a") as f:
                f.write(json.dumps({"step": 1, "loss": args.x}) + "\\n")
            """)
        try p.write("sweep.yaml", """
            program: train.py
            method: grid
            metric: {name: loss, goal: minimize, target: 0.25}
            parameters:
              x: {values: [0.5, 0.2, 0.9, 0.7]}
              flag: {values: [true]}
              opt: {parameters: {lr: {value: 0.1}}}
            command:
              - ${env}
              - ${interpreter}
              - ${program}
              - ${args}
              - ${args_json_file}
            """)
        let r = try p.run(["run", "sweep.yaml", "--headless", "--jobs", "1", "hydra.sweeper.seed=3"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Stopping: metric.target reached: trial #"), r.stdout)
        XCTAssertTrue(r.stdout.contains("'s loss 0.2 is at or below the target 0.25; running trials will finish"), r.stdout)
        let command = try String(contentsOfFile: p.path("data/sweep/0/command.txt"), encoding: .utf8)
        let words = command.components(separatedBy: "\n\n")[0].split(separator: "\n").map(String.init)
        XCTAssertEqual(words.first, "/usr/bin/env")
        XCTAssertEqual(Array(words[1...3]), ["python", "train.py", "--flag=True"])
        XCTAssertEqual(words[4], "--opt={'lr': 0.1}")
        XCTAssertTrue(words[5].hasPrefix("--x="), words[5])
        XCTAssertEqual(words[6], p.path("data/sweep/0/args.json"))
        // No trial started after the first that reached the target.
        let trials = try FileManager.default.contentsOfDirectory(atPath: p.path("data/sweep")).compactMap { Int($0) }.sorted()
        let xs = try trials.map { n -> Double in
            let text = try String(contentsOfFile: p.path("data/sweep/\(n)/command.txt"), encoding: .utf8)
            return Double(text.split(separator: "\n").first { $0.hasPrefix("--x=") }!.dropFirst(4))!
        }
        let reached = try XCTUnwrap(xs.firstIndex { $0 <= 0.25 })
        XCTAssertEqual(trials.count, reached + 1, "trials \(trials) ran x = \(xs)")
    }
}
