import Foundation
import XCTest
import Yams
@testable import HyperOpt

/// Each config block's `KeyTable`: every key it lists is accepted and changes what it says it
/// changes, and an unknown key's message lists exactly the table.
final class KeyTableTests: XCTestCase {
    /// A sweep whose `hydra.sweeper` has `base` with `key: value` set (or replaced) in it.
    private func sweep(_ base: [(String, String)], _ key: String?, _ value: String?, top: String = "n_epochs: 5") throws -> StudySpec {
        var entries = base
        if let key, let value {
            entries.removeAll { $0.0 == key }
            entries.append((key, value))
        }
        let text = top + "\nhydra:\n  sweeper:\n" + entries.map { "    \($0.0): \($0.1)\n" }.joined()
        return try ConfigLoader.parse(text, path: "/nowhere/keys-opti.yaml")
    }

    private static let sweeperBase = [("direction", "maximize"), ("search_space", "{x: {type: float, low: 0.1, high: 1}}")]

    /// A sweep whose block at `path` (`sampler`, `pruner`, `launcher`) is `base` with `key: value`.
    private func block(_ path: String, _ base: [(String, String)], _ key: String?, _ value: String?) throws -> StudySpec {
        var entries = base
        if let key, let value {
            entries.removeAll { $0.0 == key }
            entries.append((key, value))
        }
        let mapping = "{" + entries.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        return try sweep(Self.sweeperBase + [(path, mapping)], nil, nil)
    }

    private func test(_ conditions: [(String, String)], sweeper: [(String, String)]) throws -> PerformanceTest {
        let text = "performance_testing_conditions:\n" + conditions.map { "  \($0.0): \($0.1)\n" }.joined()
            + (sweeper.isEmpty ? "" : "hydra:\n  sweeper:\n" + sweeper.map { "    \($0.0): \($0.1)\n" }.joined())
        return try PerformanceTest.load(try YAMLFile.parse(text, path: "/nowhere/keys-test.yaml"), overrides: [])
    }

    private static let conditions = [("total_runs", "3"), ("succ_runs", "2"), ("eval_columns", "eval/success_rate"), ("eval_value", "0.9")]

    private func replacing(_ base: [(String, String)], _ key: String?, _ value: String?) -> [(String, String)] {
        guard let key, let value else { return base }
        return base.filter { $0.0 != key } + [(key, value)]
    }

    /// Every key of `names` has a sample; each sample loads, and changes the result unless the
    /// key is one of `noEffect` (accepted and ignored, or only checked). `load(key, nil)` is
    /// the result without the key.
    private func assertEveryKeyAccepted<T>(_ names: [String], samples: [String: String], noEffect: Set<String>,
                                           file: StaticString = #filePath, line: UInt = #line,
                                           _ load: (String, String?) throws -> T) {
        XCTAssertEqual(Set(samples.keys), Set(names), "one sample per key of the table", file: file, line: line)
        for key in names {
            guard let value = samples[key] else { continue }
            do {
                let without = String(describing: try load(key, nil))
                let with = String(describing: try load(key, value))
                if noEffect.contains(key) {
                    XCTAssertEqual(with, without, "`\(key): \(value)` is accepted and changes nothing", file: file, line: line)
                } else {
                    XCTAssertNotEqual(with, without, "`\(key): \(value)` changes what is read", file: file, line: line)
                }
            } catch {
                XCTFail("`\(key): \(value)` is refused: \(error)", file: file, line: line)
            }
        }
    }

    /// A key the table lacks is refused at its line, and the message's list is the table's keys.
    private func assertUnknownKeyListsTable(_ names: [String], place: String, file: StaticString = #filePath, line: UInt = #line,
                                            _ load: () throws -> Any) {
        do {
            _ = try load()
            XCTFail("bogus_key is accepted", file: file, line: line)
        } catch let error as ConfigError {
            XCTAssertNotNil(error.line, file: file, line: line)
            let prefix = "unknown key `bogus_key` \(place); known keys: "
            XCTAssertTrue(error.message.hasPrefix(prefix), error.message, file: file, line: line)
            let listed = error.message.dropFirst(prefix.count).dropLast().components(separatedBy: ", ")
            XCTAssertEqual(listed, names, file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }

    func testSweeperKeys() throws {
        let table = ConfigLoader.sweeperKeys
        let samples = [
            "search_space": "{y: {type: int, low: 0, high: 3}}", "params": "{z: 'interval(0.0, 1.0)', fixed: 3}",
            "study_name": "named", "max_trials": "5", "n_trials": "6", "n_jobs": "3", "direction": "[minimize]",
            "max_duration_minutes": "30", "min_trials_per_param": "2", "max_trials_per_param": "4", "command": "[python, main.py]",
            "seed": "7", "sampler": "gp", "score": "last", "workdir": "runs", "storage": "sqlite:///x.db", "retries": "2",
            "kill_grace_seconds": "3", "deadline_grace_minutes": "1", "pruner": "asha", "launcher": "{type: slurm, partition: gpu}",
            "cpus_per_trial": "2", "gpus_per_trial": "0.5", "repeats": "adaptive", "stop_when_stagnant": "10", "idle_after_seconds": "5", "constraints": "[cost]",
            "max_initial_failures": "0", "max_failure_rate": "0.5", "pass_config": "none", "seed_key": "seed", "epoch_cap": "scilab",
            "_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper",
        ]
        assertEveryKeyAccepted(table.names, samples: samples, noEffect: ["_target_"]) { key, value in
            try sweep(Self.sweeperBase, key, value)
        }
        assertUnknownKeyListsTable(table.names, place: "in hydra.sweeper") { try sweep(Self.sweeperBase, "bogus_key", "1") }
        // `null` leaves a key out, except where it means something (no time limit).
        XCTAssertEqual(try sweep(Self.sweeperBase, "n_jobs", "null").nJobs, 1)
        XCTAssertNil(try sweep(Self.sweeperBase, "max_duration_minutes", "null").maxDurationMinutes)
    }

    func testParameterKeys() throws {
        let table = ConfigLoader.parameterKeys
        let float = [("type", "float"), ("low", "1"), ("high", "2")]
        let samples = ["type": "int", "low": "1.5", "high": "3", "log": "true", "step": "0.1", "choices": "[a, b]"]
        assertEveryKeyAccepted(table.names, samples: samples, noEffect: []) { key, value in
            // `choices` means something in a categorical parameter only.
            let base = key == "choices" ? [("type", "categorical"), ("choices", "[a]")] : float
            let mapping = "{" + replacing(base, key, value).map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
            return try sweep([("direction", "maximize"), ("search_space", "{x: \(mapping)}")], nil, nil)
        }
        assertUnknownKeyListsTable(table.names, place: "in parameter `x`") {
            try self.sweep([("search_space", "{x: {type: float, low: 0, high: 1, bogus_key: 1}}")], nil, nil)
        }
    }

    func testSamplerKeys() throws {
        let tpe = ConfigLoader.tpeKeys
        assertEveryKeyAccepted(tpe.names, samples: [
            "type": "tpe", "_target_": "optuna.samplers.TPESampler", "seed": "3", "n_startup_trials": "5", "n_ei_candidates": "10",
            "multivariate": "false", "constant_liar": "false", "prior_weight": "2.0", "consider_magic_clip": "false",
            "consider_endpoints": "true", "consider_prior": "true", "warn_independent_sampling": "false",
        ], noEffect: ["type", "_target_", "consider_prior", "warn_independent_sampling"]) { key, value in
            try block("sampler", [("type", "tpe")], key, value)
        }
        assertUnknownKeyListsTable(tpe.names, place: "for the tpe sampler") { try self.block("sampler", [("type", "tpe")], "bogus_key", "1") }

        let gp = ConfigLoader.gpKeys
        assertEveryKeyAccepted(gp.names, samples: [
            "type": "gp", "_target_": "optuna.samplers.GPSampler", "seed": "3", "n_startup_trials": "5", "startup": "random",
            "deterministic_objective": "true", "independent_sampler": "x", "warn_independent_sampling": "false",
        ], noEffect: ["type", "_target_", "deterministic_objective", "independent_sampler", "warn_independent_sampling"]) { key, value in
            try block("sampler", [("type", "gp")], key, value)
        }
        assertUnknownKeyListsTable(gp.names, place: "for the gp sampler") { try self.block("sampler", [("type", "gp")], "bogus_key", "1") }

        let cmaes = ConfigLoader.cmaesKeys
        assertEveryKeyAccepted(cmaes.names, samples: [
            "type": "cmaes", "_target_": "optuna.samplers.CmaEsSampler", "seed": "3", "sigma0": "0.3", "n_startup_trials": "4",
            "popsize": "6", "use_separable_cma": "true", "x0": "{x: 0.5}", "restart_strategy": "null", "with_margin": "false",
            "lr_adapt": "false", "consider_pruned_trials": "true", "independent_sampler": "x", "warn_independent_sampling": "false",
        ], noEffect: ["type", "_target_", "restart_strategy", "with_margin", "lr_adapt", "consider_pruned_trials", "independent_sampler",
                      "warn_independent_sampling"]) { key, value in
            try block("sampler", [("type", "cmaes")], key, value)
        }
        assertUnknownKeyListsTable(cmaes.names, place: "for the cmaes sampler") { try self.block("sampler", [("type", "cmaes")], "bogus_key", "1") }

        let qmc = ConfigLoader.qmcKeys
        assertEveryKeyAccepted(qmc.names, samples: [
            "type": "qmc", "_target_": "optuna.samplers.QMCSampler", "seed": "3", "qmc_type": "halton", "scramble": "true",
            "independent_sampler": "x", "warn_asynchronous_seeding": "false", "warn_independent_sampling": "false",
        ], noEffect: ["type", "_target_", "independent_sampler", "warn_asynchronous_seeding", "warn_independent_sampling"]) { key, value in
            try block("sampler", [("type", "qmc")], key, value)
        }
        assertUnknownKeyListsTable(qmc.names, place: "for the qmc sampler") { try self.block("sampler", [("type", "qmc")], "bogus_key", "1") }

        let nsgaii = ConfigLoader.nsgaiiKeys
        assertEveryKeyAccepted(nsgaii.names, samples: [
            "type": "nsgaii", "_target_": "optuna.samplers.NSGAIISampler", "seed": "3", "population_size": "20", "mutation_prob": "0.2",
            "crossover_prob": "0.8", "swapping_prob": "0.4", "crossover": "uniform", "constraints_func": "x",
            "elite_population_selection_strategy": "x", "child_generation_strategy": "x", "after_trial_strategy": "x",
        ], noEffect: ["type", "_target_", "crossover", "constraints_func", "elite_population_selection_strategy", "child_generation_strategy",
                      "after_trial_strategy"]) { key, value in
            try block("sampler", [("type", "nsgaii")], key, value)
        }
        assertUnknownKeyListsTable(nsgaii.names, place: "for the nsgaii sampler") { try self.block("sampler", [("type", "nsgaii")], "bogus_key", "1") }

        let plain = ConfigLoader.plainSamplerKeys
        for type in ["random", "grid"] {
            assertEveryKeyAccepted(plain.names, samples: ["type": type, "_target_": "optuna.samplers.RandomSampler", "seed": "3"],
                                   noEffect: ["type", "_target_"]) { key, value in
                try block("sampler", [("type", type)], key, value)
            }
            assertUnknownKeyListsTable(plain.names, place: "for the \(type) sampler") { try self.block("sampler", [("type", type)], "bogus_key", "1") }
        }
    }

    /// GP's message used to offer four keys while its reader took eight.
    func testGPKnownKeysNameEveryKeyItAccepts() throws {
        let spec = try block("sampler", [("type", "gp"), ("deterministic_objective", "true"), ("independent_sampler", "x"),
                                         ("warn_independent_sampling", "false"), ("_target_", "optuna.samplers.GPSampler")], nil, nil)
        XCTAssertEqual(spec.sampler, .gp(GPOptions()))
        XCTAssertThrowsError(try block("sampler", [("type", "gp"), ("n_ei_candidates", "10")], nil, nil)) { error in
            XCTAssertTrue((error as? ConfigError)?.message.hasSuffix("for the gp sampler; known keys: type, _target_, seed, n_startup_trials, startup, "
                                                                      + "deterministic_objective, independent_sampler, warn_independent_sampling.") == true, "\(error)")
        }
    }

    func testPrunerKeys() throws {
        let tables: [(type: String, names: [String], base: [(String, String)], samples: [String: String], noEffect: Set<String>)] = [
            ("median", ConfigLoader.medianPrunerKeys.names, [("type", "median")],
             ["n_startup_trials": "2", "n_warmup_steps": "3", "interval_steps": "2", "n_min_trials": "2"], []),
            ("percentile", ConfigLoader.percentilePrunerKeys.names, [("type", "percentile"), ("percentile", "25")],
             ["percentile": "50", "n_startup_trials": "2", "n_warmup_steps": "3", "interval_steps": "2", "n_min_trials": "2"], []),
            ("successive_halving", ConfigLoader.successiveHalvingPrunerKeys.names, [("type", "successive_halving"), ("min_resource", "1")],
             ["min_resource": "2", "reduction_factor": "3", "min_early_stopping_rate": "1", "bootstrap_count": "1"], []),
            ("hyperband", ConfigLoader.hyperbandPrunerKeys.names, [("type", "hyperband"), ("max_resource", "20")],
             ["min_resource": "2", "max_resource": "10", "reduction_factor": "2", "bootstrap_count": "1"], []),
            ("threshold", ConfigLoader.thresholdPrunerKeys.names, [("type", "threshold"), ("lower", "0.1")],
             ["lower": "0.2", "upper": "0.9", "n_warmup_steps": "3", "interval_steps": "2"], []),
            ("patient", ConfigLoader.patientPrunerKeys.names, [("type", "patient"), ("patience", "2")],
             ["patience": "3", "min_delta": "0.1", "wrapped_pruner": "{type: median}"], []),
            ("none", ConfigLoader.noPrunerKeys.names, [("type", "none")], [:], []),
        ]
        let classes = ["median": "MedianPruner", "percentile": "PercentilePruner", "successive_halving": "SuccessiveHalvingPruner",
                       "hyperband": "HyperbandPruner", "threshold": "ThresholdPruner", "patient": "PatientPruner", "none": "NopPruner"]
        XCTAssertEqual(Set(tables.map(\.type)), Set(ConfigLoader.prunerTypes), "a table per pruner")
        for t in tables {
            var samples = t.samples
            samples["type"] = t.type
            samples["_target_"] = "optuna.pruners." + (classes[t.type] ?? "")
            assertEveryKeyAccepted(t.names, samples: samples, noEffect: t.noEffect.union(["type", "_target_"])) { key, value in
                try block("pruner", t.base, key, value)
            }
            assertUnknownKeyListsTable(t.names, place: "for the \(t.type) pruner") { try self.block("pruner", t.base, "bogus_key", "1") }
        }
    }

    func testSlurmKeys() throws {
        var samples = [
            "type": "slurm", "partition": "gpu", "timeout_min": "60", "cpus_per_task": "4", "gpus_per_node": "1", "mem_gb": "8",
            "qos": "normal", "account": "lab", "constraint": "a100", "exclude": "n1", "additional_parameters": "{mail_type: END}",
            "setup": "[module load cuda]", "max_num_timeout": "2", "nodes": "1", "tasks_per_node": "1", "gres": "'gpu:1'",
            "mem_per_cpu": "4G", "comment": "c", "name": "n", "poll_seconds": "10",
            "_target_": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
        ]
        let submititOnly: Set = ["submitit_folder", "array_parallelism", "signal_delay_s", "stderr_to_stdout"]
        for key in submititOnly { samples[key] = "x" }
        let noEffect = submititOnly.union(["type", "_target_"])
        assertEveryKeyAccepted(ConfigLoader.slurmKeys.names, samples: samples, noEffect: noEffect) { key, value in
            try block("launcher", [("type", "slurm")], key, value)
        }
        assertUnknownKeyListsTable(ConfigLoader.slurmKeys.names, place: "in hydra.sweeper.launcher") {
            try self.block("launcher", [("type", "slurm")], "bogus_key", "1")
        }
        // submitit's own layout: the same keys in hydra.launcher.
        func submitit(_ key: String?, _ value: String?) throws -> StudySpec {
            let entries = replacing([("partition", "cpu")], key, value)
            let top = "defaults:\n  - override hydra/launcher: submitit_slurm\nhydra:\n  launcher:\n" + entries.map { "    \($0.0): \($0.1)\n" }.joined()
            let text = top + "  sweeper:\n    direction: maximize\n    search_space: {x: {type: float, low: 0, high: 1}}\n"
            return try ConfigLoader.parse(text, path: "/nowhere/keys-opti.yaml")
        }
        XCTAssertEqual(ConfigLoader.submititKeys.names, ConfigLoader.slurmKeys.names)
        assertEveryKeyAccepted(ConfigLoader.submititKeys.names, samples: samples, noEffect: noEffect, submitit)
        assertUnknownKeyListsTable(ConfigLoader.submititKeys.names, place: "in hydra.launcher") { try submitit("bogus_key", "1") }
    }

    /// submitit's configs list every option of theirs, most of them null: a null one is left out
    /// even where hypertop does not know it, as before the tables.
    func testSlurmLeavesNullOptionsOutEvenUnknownOnes() throws {
        let spec = try block("launcher", [("type", "slurm"), ("cpus_per_gpu", "null"), ("partition", "null")], nil, nil)
        XCTAssertEqual(spec.launcher, .slurm(SlurmOptions()))
        XCTAssertThrowsError(try block("launcher", [("type", "slurm"), ("cpus_per_gpu", "2")], nil, nil))
    }

    func testPerformanceTestKeys() throws {
        let conditions = PerformanceTest.conditionKeys
        assertEveryKeyAccepted(conditions.names, samples: ["total_runs": "4", "succ_runs": "1", "eval_columns": "x", "eval_value": "0.5",
                                                           "max_steps": "100"], noEffect: []) { key, value in
            try test(replacing(Self.conditions, key, value), sweeper: [])
        }
        assertUnknownKeyListsTable(conditions.names, place: "in performance_testing_conditions") {
            try self.test(Self.conditions + [("bogus_key", "1")], sweeper: [])
        }
        for required in ["total_runs", "succ_runs", "eval_columns", "eval_value"] {
            XCTAssertThrowsError(try test(Self.conditions.filter { $0.0 != required }, sweeper: [])) { error in
                XCTAssertEqual((error as? ConfigError)?.message, "performance_testing_conditions needs `\(required)`.")
                XCTAssertEqual((error as? ConfigError)?.line, 2, "at the block")
            }
        }

        let sweeper = PerformanceTest.sweeperKeys
        assertEveryKeyAccepted(sweeper.names, samples: [
            "study_name": "t", "n_jobs": "2", "max_duration_minutes": "10", "command": "[python, a.py]", "workdir": "w",
            "seed_key": "seed", "cpus_per_trial": "1", "gpus_per_trial": "1", "pass_config": "none",
            "_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper",
        ], noEffect: ["_target_"]) { key, value in
            try test(Self.conditions, sweeper: replacing([("n_jobs", "1")], key, value))
        }
        assertUnknownKeyListsTable(sweeper.names, place: "in hydra.sweeper of a performance test") {
            try self.test(Self.conditions, sweeper: [("bogus_key", "1")])
        }
    }

    /// What `hypertop check --keys` prints: every table, in the order a file is read, each key
    /// with its help in one column.
    func testKeyReferencePrintsEveryTable() {
        let text = ConfigLoader.keyReference()
        let blocks = text.components(separatedBy: "\n\n")
        XCTAssertEqual(blocks.map { $0.split(separator: "\n").first.map(String.init) ?? "" }, [
            "hydra.sweeper", "hydra.sweeper.search_space.<key>",
            "hydra.sweeper.sampler (type: tpe)", "hydra.sweeper.sampler (type: gp)", "hydra.sweeper.sampler (type: random or grid)",
            "hydra.sweeper.pruner (type: median)", "hydra.sweeper.pruner (type: percentile)",
            "hydra.sweeper.pruner (type: successive_halving, or asha)", "hydra.sweeper.pruner (type: hyperband)",
            "hydra.sweeper.pruner (type: threshold)", "hydra.sweeper.pruner (type: patient)", "hydra.sweeper.pruner (type: none)",
            "hydra.sweeper.launcher (type: slurm; the same keys in hydra.launcher under submitit_slurm)",
            "performance_testing_conditions (a performance test)", "hydra.sweeper (a performance test)",
            "a W&B sweep file (the keys of `wandb sweep sweep.yaml`)", "parameters.<name> (a W&B sweep file)", "metric (a W&B sweep file)",
            "early_terminate (a W&B sweep file)",
        ])
        XCTAssertTrue(text.contains("\nhydra.sweeper.sampler (type: gp)\n"), text)
        XCTAssertTrue(text.contains("\n  deterministic_objective    Optuna's GPSampler option; accepted and ignored\n"), text)
        XCTAssertTrue(text.contains("\n  max_trials              trials in all (default 20)\n"), text)
        for block in blocks {
            let rows = block.split(separator: "\n").dropFirst()
            XCTAssertFalse(rows.isEmpty, block)
            // The help starts in one column: after the longest key and two spaces.
            let width = rows.map { $0.dropFirst(2).prefix { $0 != " " }.count }.max() ?? 0
            for row in rows {
                XCTAssertTrue(row.hasPrefix("  "), String(row))
                let help = row.dropFirst(2 + width + 2)
                XCTAssertFalse(help.isEmpty || help.first == " ", "help in one column: \(row)")
            }
        }
        XCTAssertTrue(text.hasSuffix("\n") && !text.hasSuffix("\n\n"))
    }
}
