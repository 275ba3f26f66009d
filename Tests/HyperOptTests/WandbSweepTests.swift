import Foundation
import XCTest
@testable import HyperOpt

/// W&B sweep files (`wandb sweep sweep.yaml`) read as W&B reads them: every distribution's
/// mapping onto Optuna's, the refusals at their lines, the keys, the method, early_terminate,
/// run_cap, the command line's overrides.
final class WandbSweepTests: XCTestCase {
    func load(_ yaml: String, overrides: [String] = [], path: String = "/tmp/sweep.yaml") throws -> (spec: StudySpec, warnings: [ConfigWarning]) {
        try CommandLineOverride.blamed(try overrides.map(CommandLineOverride.parse)) {
            try ConfigLoader.parseChecked(try YAMLFile.parse(yaml, path: path), overrides: $0)
        }
    }

    /// The file with one parameter `p` written as `body` (each line indented under it), method `method`.
    func one(_ body: String, method: String = "random") -> String {
        "program: train.py\nmethod: \(method)\nmetric: {name: loss}\nparameters:\n  p:\n" + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
    }

    func distribution(_ body: String, method: String = "random", file: StaticString = #filePath, line: UInt = #line) throws -> Distribution {
        let spec = try load(one(body, method: method)).spec
        return try XCTUnwrap(spec.space.parameters.first, file: file, line: line).distribution
    }

    /// The error's text, which must be at `line` of the file.
    func error(_ yaml: String, overrides: [String] = [], line: Int?, file: StaticString = #filePath, at: UInt = #line) -> String {
        do {
            _ = try load(yaml, overrides: overrides)
            XCTFail("no error", file: file, line: at)
            return ""
        } catch let e as ConfigError {
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: at)
            return e.message
        } catch {
            XCTFail("\(error)", file: file, line: at)
            return ""
        }
    }

    // MARK: The file

    func testAFileWithoutHydraAndWithWandBKeysIsAWandBSweep() throws {
        let spec = try load(one("values: [1, 2]")).spec
        XCTAssertEqual(spec.wandbMethod, "random")
        XCTAssertEqual(spec.command, ["${env}", "${interpreter}", "${program}", "${args}"], "W&B's default command")
        XCTAssertEqual(spec.passConfig, PassConfig.none)
        XCTAssertEqual(spec.score, .last, "W&B's value of a run is the metric's last logged value")
        XCTAssertEqual(spec.criterion, "loss")
        XCTAssertEqual(spec.direction, .minimize, "W&B's default goal")
        XCTAssertEqual(spec.nJobs, 1)
        XCTAssertEqual(spec.studyName, "sweep", "the file's name")
        XCTAssertEqual(spec.maxInitialFailures, 5, "W&B's agent stops after 5 failed first runs")
        XCTAssertNil(spec.maxDurationMinutes)
        // Neither W&B's nor hypertop's: the old message.
        XCTAssertThrowsError(try load("foo: 1\n")) { XCTAssertTrue("\($0)".contains("no `hydra:` block"), "\($0)") }
    }

    func testUnknownKeysGetWandBsSchemaWordingAtTheirLine() {
        XCTAssertTrue(error(one("values: [1]") + "foo: 3\n", line: 7)
            .hasPrefix("Additional properties are not allowed ('foo' was unexpected) (W&B's sweep schema); a W&B sweep file's keys are method, parameters,"))
        XCTAssertTrue(error(one("values: [1]\nscale: 2"), line: 7).hasPrefix("Additional properties are not allowed ('scale' was unexpected)"))
        XCTAssertTrue(error("program: t.py\nmethod: grid\nmetric: {name: loss, gaol: maximize}\nparameters: {p: {values: [1]}}\n", line: 3)
            .hasPrefix("Additional properties are not allowed ('gaol' was unexpected)"))
        XCTAssertTrue(error(one("values: [1]") + "early_terminate: {type: hyperband, min_iter: 3, max: 9}\n", line: 7)
            .hasPrefix("Additional properties are not allowed ('max' was unexpected)"))
        // Keys of W&B's schema hypertop does not run say why.
        XCTAssertTrue(error(one("values: [1]") + "job: foo\n", line: 7).contains("W&B Launch"))
        XCTAssertEqual(error("program: t.py\nmetric: {name: loss}\nparameters: {p: {values: [1]}}\n", line: 1),
                       "'method' is a required property (W&B's sweep schema); add `method: bayes`, `random` or `grid`.")
        XCTAssertTrue(error("program: t.py\nmethod: grdi\nmetric: {name: loss}\nparameters: {p: {values: [1]}}\n", line: 2)
            .hasPrefix("'grdi' is not one of ['bayes', 'random', 'grid', 'custom']"))
        XCTAssertTrue(error("program: t.py\nmethod: grid\nmetric: {name: loss, goal: max}\nparameters: {p: {values: [1]}}\n", line: 3)
            .hasPrefix("'max' is not one of ['minimize', 'maximize']"))
    }

    func testTheTopLevelKeys() throws {
        let spec = try load("""
            program: train.py
            name: demo
            description: "a sweep"
            project: proj
            entity: team
            method: random
            run_cap: 7
            metric: {name: val/acc, goal: maximize, target: 0.95}
            parameters: {p: {values: [1, 2]}}
            """).spec
        XCTAssertEqual(spec.studyName, "demo")
        XCTAssertEqual(spec.studyDescription, "a sweep")
        XCTAssertEqual(spec.wandbProject, "proj")
        XCTAssertEqual(spec.wandbEntity, "team")
        XCTAssertEqual(spec.program, "train.py")
        XCTAssertEqual(spec.maxTrials, 7)
        XCTAssertEqual(spec.direction, .maximize)
        XCTAssertEqual(spec.criterion, "val/acc")
        XCTAssertEqual(spec.stopAtTarget, 0.95)
        XCTAssertEqual(error(one("values: [1]") + "run_cap: 0\n", line: 7), "0 is less than or equal to the minimum of 0 (`run_cap`).")
        XCTAssertTrue(error("program: t.py\nmethod: random\nparameters: {p: {values: [1]}}\n", line: 2).hasPrefix("hypertop scores each trial by the sweep's metric"))
        XCTAssertTrue(error("program: t.py\nmethod: bayes\nparameters: {p: {values: [1]}}\n", line: 2).hasPrefix("Bayesian search requires \"metric\" section"))
    }

    // MARK: Methods

    func testMethodsMapToSamplers() throws {
        XCTAssertEqual(try load(one("values: [1, 2]", method: "grid")).spec.sampler, .grid)
        XCTAssertEqual(try load(one("values: [1, 2]", method: "random")).spec.sampler, .random)
        let gp = try load(one("min: 0.0\nmax: 1.0", method: "bayes") + "run_cap: 40\n").spec
        XCTAssertEqual(gp.sampler, .gp(GPOptions()))
        XCTAssertTrue(gp.samplerReason?.hasPrefix("bayes → GP") == true, gp.samplerReason ?? "")
        let categorical = try load(one("values: [a, b]", method: "bayes")).spec
        XCTAssertEqual(categorical.sampler, .tpe(TPEOptions()))
        XCTAssertTrue(categorical.samplerReason?.contains("`p` is categorical") == true, categorical.samplerReason ?? "")
        let long = try load(one("min: 0.0\nmax: 1.0", method: "bayes") + "run_cap: 257\n").spec
        XCTAssertEqual(long.sampler, .tpe(TPEOptions()), "past 256 trials the GP's ask costs too much")
        XCTAssertEqual(try load(one("min: 0.0\nmax: 1.0", method: "bayes") + "run_cap: 256\n").spec.sampler, .gp(GPOptions()))
        let many = (0..<11).map { "  x\($0): {min: 0.0, max: 1.0}" }.joined(separator: "\n")
        let wide = try load("program: t.py\nmethod: bayes\nmetric: {name: loss}\nparameters:\n\(many)\n").spec
        XCTAssertEqual(wide.sampler, .tpe(TPEOptions()))
        XCTAssertTrue(wide.samplerReason?.contains("11 parameters") == true, wide.samplerReason ?? "")
        XCTAssertTrue(error(one("values: [1]", method: "custom"), line: 2).contains("custom scheduler"))
    }

    func testRunCapAndItsDefaults() throws {
        // grid: the grid's size; W&B's grid runs each set once.
        let grid = try load("program: t.py\nmethod: grid\nmetric: {name: loss}\nparameters:\n  a: {values: [1, 2, 3]}\n  b: {min: 1, max: 4}\n  c: {value: 9}\n")
        XCTAssertEqual(grid.spec.maxTrials, 12)
        XCTAssertTrue(grid.warnings.isEmpty, "\(grid.warnings)")
        // random and bayes: hypertop's default, said.
        let random = try load(one("values: [1, 2]"))
        XCTAssertEqual(random.spec.maxTrials, ConfigLoader.defaultMaxTrials)
        XCTAssertEqual(random.warnings.map(\.line), [2])
        XCTAssertTrue(random.warnings[0].message.hasPrefix("no `run_cap`: W&B's agent would run until stopped"))
    }

    // MARK: Parameters

    func testDistributionsAreInferredAsWandBInfersThem() throws {
        XCTAssertEqual(try distribution("values: [a, 1, 2.5, true, null, [1, 2]]"),
                       .categorical(choices: [.string("a"), .int(1), .float(2.5), .bool(true), .null, .list([.int(1), .int(2)])]))
        XCTAssertEqual(try distribution("min: 1\nmax: 10"), .int(low: 1, high: 10, log: false, step: 1), "int min and max: int_uniform")
        XCTAssertEqual(try distribution("min: 0\nmax: 0.1"), .float(low: 0, high: 0.1, log: false, step: nil), "a float bound: uniform")
        XCTAssertEqual(try distribution("min: 1.0\nmax: 10"), .float(low: 1, high: 10, log: false, step: nil))
        let constant = try load("program: t.py\nmethod: random\nmetric: {name: loss}\nparameters:\n  p: {values: [1, 2]}\n  epochs: {value: 27}\n").spec
        XCTAssertEqual(constant.space.parameters.map(\.name), ["p"], "a value is no search dimension")
        XCTAssertEqual(constant.constantArguments, [ParamValue.Entry("epochs", .int(27))])
        // q without a distribution fits none of W&B's schemas.
        XCTAssertTrue(error(one("min: 1\nmax: 10\nq: 2"), line: 6).hasPrefix("invalid hyperparameter configuration: p (W&B's words)"))
        XCTAssertTrue(error(one("value: 1\nvalues: [1]"), line: 6).hasPrefix("invalid hyperparameter configuration: p"))
    }

    func testEveryDistributionMapsExactlyOrIsRefusedAtItsLine() throws {
        let constant = try load(one("distribution: constant\nvalue: 3") + "  q: {values: [1]}\n").spec
        XCTAssertEqual(constant.constantArguments, [ParamValue.Entry("p", .int(3))])
        XCTAssertEqual(constant.space.parameters.map(\.name), ["q"])
        XCTAssertEqual(try distribution("distribution: categorical\nvalues: [x, y]"), .categorical(choices: [.string("x"), .string("y")]))
        XCTAssertEqual(try distribution("distribution: int_uniform\nmin: -3\nmax: 3"), .int(low: -3, high: 3, log: false, step: 1))
        XCTAssertEqual(try distribution("distribution: uniform\nmin: 0\nmax: 2"), .float(low: 0, high: 2, log: false, step: nil))
        // log_uniform's bounds are natural logs; log_uniform_values' are the values.
        XCTAssertEqual(try distribution("distribution: log_uniform\nmin: -9.2\nmax: -2.3"), .float(low: exp(-9.2), high: exp(-2.3), log: true, step: nil))
        XCTAssertEqual(try distribution("distribution: log_uniform_values\nmin: 0.0001\nmax: 0.1"), .float(low: 0.0001, high: 0.1, log: true, step: nil))
        // inv_log_uniform: log(1/X) uniform on [min, max], so X log-uniform on [exp(-max), exp(-min)].
        XCTAssertEqual(try distribution("distribution: inv_log_uniform\nmin: 2.3\nmax: 9.2"), .float(low: exp(-9.2), high: exp(-2.3), log: true, step: nil))
        // inv_log_uniform_values: log(1/X) uniform on [log(1/max), log(1/min)]: X log-uniform on [min, max].
        XCTAssertEqual(try distribution("distribution: inv_log_uniform_values\nmin: 0.0001\nmax: 0.1"), .float(low: 0.0001, high: 0.1, log: true, step: nil))
        // q_uniform, random: round(U(min, max) / q) * q; whole numbers when q is.
        XCTAssertEqual(try distribution("distribution: q_uniform\nmin: 0\nmax: 1\nq: 0.25"), .float(low: 0, high: 1, log: false, step: 0.25))
        XCTAssertEqual(try distribution("distribution: q_uniform\nmin: 1\nmax: 10\nq: 3"), .int(low: 0, high: 9, log: false, step: 3),
                       "round(U(1, 10) / 3) * 3 is 0 (for U below 1.5), 3, 6 or 9")
        XCTAssertEqual(try distribution("distribution: q_uniform\nmin: 0.6\nmax: 4.4"), .float(low: 1, high: 4, log: false, step: 1),
                       "q defaults to 1.0, a float: round(U) for U in [0.6, 4.4] is 1.0 ... 4.0")
        // q_uniform, grid: np.arange(min, max, q), max left out.
        XCTAssertEqual(try distribution("distribution: q_uniform\nmin: 0\nmax: 10\nq: 3", method: "grid"), .int(low: 0, high: 9, log: false, step: 3))
        XCTAssertEqual(try distribution("distribution: q_uniform\nmin: 0\nmax: 1\nq: 0.25", method: "grid"), .float(low: 0, high: 0.75, log: false, step: 0.25))
        // q_log_uniform(_values) with q 1: whole numbers on a log scale.
        XCTAssertEqual(try distribution("distribution: q_log_uniform_values\nmin: 2\nmax: 200\nq: 1"), .int(low: 2, high: 200, log: true, step: 1))
        XCTAssertEqual(try distribution("distribution: q_log_uniform\nmin: 0\nmax: 4.6\nq: 1"), .int(low: 1, high: 99, log: true, step: 1),
                       "round(exp(U(0, 4.6))): exp(4.6) is 99.48")
        // Refused, at the line that says it.
        let qlog = error(one("distribution: q_log_uniform_values\nq: 8\nmin: 32\nmax: 256"), line: 7)
        XCTAssertTrue(qlog.contains("W&B draws multiples of 8 on a log scale") && qlog.contains("`distribution: q_uniform`"), qlog)
        XCTAssertTrue(error(one("distribution: q_log_uniform_values\nmin: 32\nmax: 256"), line: 6).contains("q 1.0 (a float, W&B's default)"))
        for (name, line) in [("normal", 6), ("q_normal", 6), ("log_normal", 6), ("q_log_normal", 6)] {
            let message = error(one("distribution: \(name)\nmu: 1\nsigma: 0.5"), line: line)
            XCTAssertTrue(message.hasPrefix("parameter `p`: \(name) has no least and greatest value"), message)
            XCTAssertTrue(message.contains(name.contains("log") ? "log_uniform_values, min: 1.0, max: 7.38905609893065" : "uniform, min: 0.0, max: 2.0"), message)
        }
        XCTAssertTrue(error(one("distribution: beta\na: 2\nb: 5"), line: 6).contains("weighs [0, 1] unevenly"))
        XCTAssertTrue(error(one("distribution: lognormal"), line: 6).hasPrefix("parameter `p`: 'lognormal' is not one of ['constant', 'categorical',"))
        XCTAssertEqual(error(one("distribution: uniform\nmin: 1\nmax: 1"), line: 7), "p: min 1 is not less than max 1 (W&B's words).")
        XCTAssertTrue(error(one("distribution: int_uniform\nmin: 0.5\nmax: 3"), line: 7).hasPrefix("parameter `p` (int_uniform): 0.5 is not of type 'integer'"))
        XCTAssertTrue(error(one("distribution: log_uniform_values\nmin: 0\nmax: 3"), line: 7).contains("0 is less than or equal to the minimum of 0"))
        XCTAssertTrue(error(one("distribution: uniform\nmin: 0\nmax: 3\nq: 1"), line: 9).hasPrefix("parameter `p` (uniform): Additional properties are not allowed ('q' was unexpected)"))
        XCTAssertTrue(error(one("distribution: uniform\nmin: 0"), line: 6).hasPrefix("parameter `p` (uniform): 'max' is a required property"))
        XCTAssertTrue(error(one("min: abc\nmax: 3"), line: 6).hasPrefix("parameter `p`: 'abc' is not of type 'number'"))
    }

    func testLogUniformsWarnWithWandBsDeprecation() throws {
        let warnings = try load(one("distribution: log_uniform\nmin: -9.2\nmax: -2.3")).warnings
        XCTAssertTrue(warnings.contains { $0.line == 6 && $0.message == "p uses log_uniform, where min/max specify base-e exponents. Use log_uniform_values to specify limit values." },
                      "\(warnings)")
    }

    func testProbabilitiesAreHonouredOnlyWhenEven() throws {
        XCTAssertEqual(try distribution("values: [a, b, c, d]\nprobabilities: [0.25, 0.25, 0.25, 0.25]"),
                       .categorical(choices: [.string("a"), .string("b"), .string("c"), .string("d")]))
        XCTAssertTrue(error(one("values: [a, b]\nprobabilities: [0.8, 0.2]"), line: 7).contains("remove `probabilities`"))
        XCTAssertEqual(error(one("values: [a, b]\nprobabilities: [0.5, 0.6]"), line: 7), "Parameter p: Probabilities [0.5, 0.6] do not sum to 1")
        XCTAssertEqual(error(one("values: [a, b]\nprobabilities: [1.0]"), line: 7), "Parameter p: values ['a', 'b'] and probabilities [1.0] are not the same length")
        XCTAssertTrue(error(one("values: [a, b]\nprobabilities: [0.5, 0.5]", method: "grid"), line: 6).hasPrefix("Parameter p is a disallowed type with grid search."))
        XCTAssertTrue(error(one("min: 0.0\nmax: 1.0", method: "grid"), line: 6)
            .hasPrefix("Parameter p is a disallowed type with grid search. Grid search requires all parameters to be categorical, constant, int_uniform, or q_uniform."))
    }

    /// W&B's YAML reader is PyYAML's (YAML 1.1): `1e-5` is text to it, `!!float 1e-5` a number.
    func testValuesAreReadAsWandBsYAMLReaderReadsThem() throws {
        XCTAssertEqual(try distribution("values: [1e-5, 1.0e-5, 1.0e5, !!float 1e-6, 0.1]"),
                       .categorical(choices: [.string("1e-5"), .float(1e-5), .string("1.0e5"), .float(1e-6), .float(0.1)]))
        let lenient = try load(one("min: 1e-5\nmax: 0.1"))
        XCTAssertEqual(lenient.spec.space.parameters[0].distribution, .float(low: 1e-5, high: 0.1, log: false, step: nil))
        XCTAssertTrue(lenient.warnings.contains { $0.line == 6 && $0.message.contains("`1e-5` is text to W&B's YAML reader") }, "\(lenient.warnings)")
    }

    func testNestedParametersBecomeDottedNames() throws {
        let spec = try load("""
            program: t.py
            method: grid
            metric: {name: loss}
            parameters:
              batch_size: {values: [32, 64]}
              optimizer:
                parameters:
                  lr: {values: [0.001, 0.0001]}
                  nadam:
                    parameters:
                      beta: {values: [0.9, 0.95]}
                  kind: {value: adam}
            """).spec
        XCTAssertEqual(spec.space.parameters.map(\.name), ["batch_size", "optimizer.lr", "optimizer.nadam.beta"])
        XCTAssertEqual(spec.argumentPaths, ["optimizer.lr": ["optimizer", "lr"], "optimizer.nadam.beta": ["optimizer", "nadam", "beta"],
                                            "optimizer.kind": ["optimizer", "kind"]])
        XCTAssertEqual(spec.constantArguments, [ParamValue.Entry("optimizer.kind", .string("adam"))])
        XCTAssertEqual(spec.maxTrials, 8)
        XCTAssertTrue(error("program: t.py\nmethod: grid\nmetric: {name: loss}\nparameters:\n  a: {parameters: {b: {values: [1]}}}\n  a.b: {values: [2]}\n", line: 6)
            .contains("defined twice"))
        XCTAssertTrue(error("program: t.py\nmethod: grid\nmetric: {name: loss}\nparameters:\n  a:\n    values: [1]\n    parameters: {b: {values: [1]}}\n", line: 6)
            .hasPrefix("Additional properties are not allowed ('values' was unexpected)"))
        XCTAssertTrue(error("program: t.py\nmethod: grid\nmetric: {name: loss}\nparameters:\n  1a: {values: [1]}\n", line: 5)
            .hasPrefix("'1a' does not match '^^[A-Za-z_][A-Za-z0-9_.-]*$'"))
    }

    // MARK: early_terminate

    func testEarlyTerminateBecomesWandBsHyperband() throws {
        func bands(_ body: String) throws -> WandbHyperbandOptions? {
            guard case .wandbHyperband(let o) = try load(one("values: [1]") + "early_terminate: {type: hyperband, \(body)}\n").spec.pruner else { return nil }
            return o
        }
        // W&B's docs: min_iter 3 gives 3, 9, 27, 81, ...; max_iter 27 with s 2 gives 9 and 3.
        XCTAssertEqual(try bands("min_iter: 3")?.bands.prefix(4), [3, 9, 27, 81])
        XCTAssertEqual(try bands("min_iter: 3")?.strict, true, "W&B's sweep engine fills the schema's default")
        XCTAssertEqual(try bands("max_iter: 27, s: 2"), WandbHyperbandOptions(bands: [3, 9], eta: 3, strict: true))
        // wandb/sweeps test_init_from_max_iter: max_iter 18, eta 3, s 2 gives [2, 6].
        XCTAssertEqual(try bands("max_iter: 18, eta: 3, s: 2, strict: false"), WandbHyperbandOptions(bands: [2, 6], eta: 3, strict: false))
        XCTAssertEqual(try bands("max_iter: 5, eta: 2, s: 2")?.bands, [1, 2])
        XCTAssertTrue(error(one("values: [1]") + "early_terminate: {type: hyperband, max_iter: 27}\n", line: 7).hasPrefix("`max_iter` needs `s`"))
        XCTAssertTrue(error(one("values: [1]") + "early_terminate: {type: hyperband, max_iter: 2, s: 1}\n", line: 7).hasPrefix("Bands must be an array of length at least 1."))
        XCTAssertTrue(error(one("values: [1]") + "early_terminate: {type: median}\n", line: 7).hasPrefix("'median' is not one of ['hyperband']"))
        XCTAssertTrue(error(one("values: [1]") + "early_terminate: {type: hyperband}\n", line: 7).hasPrefix("invalid config for hyperband stopping"))
    }

    // MARK: The command line

    func testOverridesSetWandBKeysAndHypertopsOwn() throws {
        let base = one("values: [1, 2]")
        let spec = try load(base, overrides: ["run_cap=4", "metric.goal=maximize", "hydra.sweeper.n_jobs=3", "hydra.sweeper.seed=5"]).spec
        XCTAssertEqual(spec.maxTrials, 4)
        XCTAssertEqual(spec.direction, .maximize)
        XCTAssertEqual(spec.nJobs, 3)
        XCTAssertEqual(spec.seed, 5)
        XCTAssertEqual(spec.commandLineOverrides, ["run_cap=4", "metric.goal=maximize", "hydra.sweeper.n_jobs=3", "hydra.sweeper.seed=5"])
        XCTAssertEqual(try load(base, overrides: ["parameters.p.values=[5, 6, 7]"]).spec.space.parameters[0].distribution,
                       .categorical(choices: [.int(5), .int(6), .int(7)]))
        XCTAssertEqual(error(base, overrides: ["hydra.sweeper.max_trials=3"], line: nil),
                       "`hydra.sweeper.max_trials` is W&B's `run_cap` in a W&B sweep file; set that instead (e.g. run_cap=4).")
        do {
            _ = try load(base, overrides: ["epochs=3"])
            XCTFail("no error")
        } catch let e as ConfigError {
            XCTAssertEqual(e.file, "command-line override `epochs=3`")
            XCTAssertTrue(e.message.hasPrefix("Additional properties are not allowed ('epochs' was unexpected)"), e.message)
        }
    }

    // MARK: Macros in hypertop's own format

    func testHypertopsFormatTakesTheMacros() throws {
        let yaml = """
            hydra:
              sweeper:
                study_name: s
                direction: maximize
                seed_key: seed
                command: [python, train.py, "${args}"]
                params:
                  batch_size: 64
                search_space:
                  lr: {type: float, low: 0.001, high: 0.1, log: true}
            """
        let spec = try load(yaml, overrides: ["note=hi"]).spec
        XCTAssertEqual(spec.passConfig, PassConfig.none, "the macros pass the values: no Hydra wiring by default")
        XCTAssertEqual(spec.constantArguments, [ParamValue.Entry("batch_size", .int(64)), ParamValue.Entry("note", .string("hi"))])
        let argv = TrialArguments.argv(command: spec.command!, spec: spec, params: ["lr": .float(0.01)], runDir: "/r/0", seed: 7, epochCap: nil)
        XCTAssertEqual(argv, ["python", "train.py", "--batch_size=64", "--note=hi", "--lr=0.01", "--seed=7"])
        // pass_config: overrides keeps hypertop's Hydra wiring after the expanded command.
        let hydra = try load(yaml.replacingOccurrences(of: "seed_key: seed", with: "pass_config: overrides")).spec
        let wired = TrialArguments.argv(command: hydra.command!, spec: hydra, params: ["lr": .float(0.01)], runDir: "/r/0", seed: 7, epochCap: nil)
        XCTAssertEqual(Array(wired.prefix(3)), ["python", "train.py", "--lr=0.01"])
        XCTAssertEqual(wired.last, TrialArguments.callbackOverride)
        // A macro W&B does not know is refused at the command's line.
        XCTAssertTrue(error(yaml.replacingOccurrences(of: "\"${args}\"", with: "\"${argz}\""), line: 6).hasPrefix("`${argz}` is not one of W&B's command macros"))
    }

    /// Without a macro, hypertop's own format passes the values as it always did.
    func testAHydraAppWithoutMacrosIsUnchanged() throws {
        let spec = try load("hydra:\n  sweeper:\n    command: [python, app.py]\n    direction: minimize\n    search_space:\n      ++lr: {type: float, low: 0.1, high: 1}\n").spec
        XCTAssertEqual(spec.passConfig, .overrides)
        XCTAssertNil(spec.constantArguments)
        let argv = TrialArguments.argv(command: spec.command!, spec: spec, params: ["++lr": .float(0.5)], runDir: "/r/0", seed: 7, epochCap: nil)
        XCTAssertEqual(argv, ["python", "app.py", "++lr=0.5", "hydra.run.dir=/r/0", TrialArguments.callbackOverride])
    }
}
