import Foundation
import XCTest
@testable import HyperOpt

/// Config files shaped like users' own: Scilab-RL's `-opti.yaml` in a Hydra project, and the
/// upstream hydra-optuna-sweeper's `params:` grammar.
final class RealConfigTests: XCTestCase {
    static let apps = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/HydraApps")
    static let toy = apps.appendingPathComponent("scilab_toy").path
    static let sphere = apps.appendingPathComponent("upstream_sphere").path

    func load(_ text: String) throws -> (spec: StudySpec, warnings: [ConfigWarning]) {
        try ConfigLoader.parseChecked(YAMLFile.parse(text, path: "/nowhere/x-opti.yaml"))
    }

    func testScilabFileInItsProjectTakesTheJobKeysFromMainYAML() throws {
        let (spec, warnings) = try ConfigLoader.check(path: Self.toy + "/conf/performance/Toy/sac-opti.yaml")
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(spec.earlyStopLastN, 2, "early_stop_last_n is only in conf/main.yaml")
        XCTAssertEqual(spec.nEpochs, 5, "the sweep file's n_epochs wins over main.yaml's 6")
        XCTAssertEqual(spec.epochCap, 5, "Scilab-RL's tree: the epoch cap is on")
        XCTAssertEqual(spec.criterion, "eval/success_rate")
        XCTAssertEqual(spec.passing, .overrides)
        XCTAssertNil(spec.configName)
        let overrides = try XCTUnwrap(spec.jobOverrides)
        XCTAssertEqual(overrides.first, "algorithm=sac")
        XCTAssertTrue(overrides.contains("++algorithm.use_her=true"), "\(overrides)")
        XCTAssertTrue(overrides.contains("++env=Toy-v0"))
        XCTAssertTrue(overrides.contains("++early_stop_data_column=eval/success_rate"))
        XCTAssertFalse(overrides.contains { $0.hasPrefix("++n_epochs=") }, "the epoch cap passes n_epochs itself")
        XCTAssertFalse(overrides.contains { $0.hasPrefix("++hydra") }, "the sweeper block is never passed")
        let netArch = try XCTUnwrap(spec.space.parameters.first { $0.key == "algorithm.policy_kwargs.net_arch" })
        XCTAssertEqual(netArch.distribution, .categorical(choices: [.list([.int(8)]), .list([.int(16)]), .list([.int(8), .int(8)])]))
        XCTAssertEqual(HydraOverride.argument(name: netArch.name, value: .list([.int(8), .int(8)])), "++algorithm.policy_kwargs.net_arch=[8,8]")
    }

    func testOriginalDefaultsAndAMissingDirectionMinimizesWithOneWarning() throws {
        let (spec, warnings) = try load("""
        hydra:
          sweeper:
            study_name: s
            search_space:
              x: {type: float, low: 0, high: 1}
        """)
        XCTAssertEqual(spec.direction, .minimize)
        XCTAssertEqual(spec.maxTrials, 20)
        XCTAssertEqual(spec.nJobs, 1)
        XCTAssertEqual(spec.maxDurationMinutes, 1440)
        XCTAssertEqual(spec.minTrialsPerParam, 1)
        XCTAssertEqual(spec.maxTrialsPerParam, 3)
        XCTAssertEqual(spec.maxInitialFailures, 3)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertEqual(warnings.first?.line, 2)
        XCTAssertTrue(warnings.first?.description.hasPrefix("warning: /nowhere/x-opti.yaml:2: hydra.sweeper has no `direction`; minimizing") ?? false)
    }

    func testShapesOfRealFiles() throws {
        let (spec, warnings) = try load("""
        defaults:
          - override /algorithm: cleansac
        algorithm:
          policy_kwargs: {net_arch: [64, 64]}
          _target_: stable_baselines3.SAC
        render: none
        hydra:
          sweeper:
            study_name: s
            direction: maximize
            search_space:
              ++algorithm.learning_rate: {type: float, low: 1e-4, high: !!float 5e-3, log: true, step: 0.001}
              +algorithm.buffer_size: {type: int, low: 10_000, high: 1_000_000, log: true, step: 10}
              algorithm.tau: {type: float, low: 1., high: 1.}
              ++algorithm.use_her: {type: categorical, choices: [False, True]}
              ++algorithm.n: {type: categorical, choices: [1, 2.5, 'x']}
              ++algorithm.replay: {type: categorical, choices: [{n_sampled_goal: 4, strategy: future}]}
        """)
        let d = spec.space.parameters.map(\.distribution)
        XCTAssertEqual(d[0], .float(low: 0.0001, high: 0.005, log: true, step: nil))
        XCTAssertEqual(d[1], .int(low: 10_000, high: 1_000_000, log: true, step: 1))
        XCTAssertEqual(d[2], .float(low: 1, high: 1, log: false, step: nil))
        XCTAssertEqual(d[3], .categorical(choices: [.bool(false), .bool(true)]))
        XCTAssertEqual(d[4], .categorical(choices: [.int(1), .float(2.5), .string("x")]))
        let replay = ParamValue.mapping([.init("n_sampled_goal", .int(4)), .init("strategy", .string("future"))])
        XCTAssertEqual(d[5], .categorical(choices: [replay]))
        XCTAssertEqual(HydraOverride.text(replay), "{n_sampled_goal:4,strategy:future}")
        XCTAssertEqual(warnings.map(\.line), [12, 13], "step with log is ignored with a warning, once per parameter")
        XCTAssertTrue(warnings.allSatisfy { $0.message.contains("`step` is ignored with `log: true`") })
        XCTAssertEqual(spec.jobOverrides, ["algorithm=cleansac", "++algorithm.policy_kwargs.net_arch=[64,64]",
                                           "++algorithm._target_=stable_baselines3.SAC", "++render=none"])
    }

    /// Values that would make a study that cannot run, or a broken directory, are refused at their line.
    func testHostileValuesAreRefusedAtLoad() throws {
        let space = "    search_space:\n      x: {type: float, low: 0, high: 1}\n"
        for (sweeper, line, text) in [
            ("    study_name: \"a\\nb\"\n", 3, "control characters"),
            ("    study_name: \"a\\x1b]0;pwned\\x07\"\n", 3, "control characters"),
            ("    study_name: \(String(repeating: "s", count: 300))\n", 3, "bytes long"),
            ("    study_name: hypertop.db\n", 3, "collide with the study store"),
            ("    study_name: s\n    command: ['']\n", 4, "`command` is empty"),
            ("    study_name: s\n    deadline_grace_minutes: -1\n", 4, "must be 0 or more"),
        ] {
            XCTAssertThrowsError(try load("hydra:\n  sweeper:\n" + sweeper + space), sweeper) { error in
                XCTAssertEqual((error as? ConfigError)?.line, line, sweeper)
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
        }
        XCTAssertThrowsError(try load("hydra:\n  sweeper:\n    study_name: s\n    search_space:\n      1: {type: float, low: 0, high: 1}\n")) { error in
            XCTAssertEqual((error as? ConfigError)?.line, 5)
            XCTAssertTrue("\(error)".contains("is not a Hydra override key"), "\(error)")
        }
    }

    /// Values that used to trap or hang (integer overflow, a tiny step, huge repeat counts, an
    /// 8 GB candidate buffer, a grid too large to enumerate) are refused before anything runs.
    func testLimitsAreCheckedAtLoad() throws {
        let head = "hydra:\n  sweeper:\n    study_name: s\n"
        for (body, line, text) in [
            ("    search_space:\n      x: {type: int, low: -9223372036854775808, high: 9223372036854775807, step: 2}\n", 5, "beyond ±2^53"),
            ("    search_space:\n      x: {type: float, low: -1e308, high: 1e308, step: 1e307}\n", 5, "makes"),
            ("    search_space:\n      x: {type: float, low: 0, high: 1, step: 1e-300}\n", 5, "makes"),
            ("    min_trials_per_param: 9223372036854775807\n    search_space:\n      x: {type: float, low: 0, high: 1}\n", 4, "at most 100000"),
            ("    sampler: {n_ei_candidates: 1000000000}\n    search_space:\n      x: {type: float, low: 0, high: 1}\n", 4, "at most 100000"),
            ("    n_jobs: 10000\n    search_space:\n      x: {type: float, low: 0, high: 1}\n", 4, "`n_jobs` must be at most 4096, got 10000"),
        ] {
            XCTAssertThrowsError(try load(head + body), body) { error in
                XCTAssertEqual((error as? ConfigError)?.line, line, body)
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
        }
        let grid = try load(head + "    sampler: grid\n    search_space:\n      x: {type: int, low: 0, high: 9000000000000000}\n      y: {type: int, low: 0, high: 9}\n").spec
        XCTAssertThrowsError(try makeSampler(grid.sampler, space: grid.space)) { error in
            XCTAssertEqual(error as? SamplerError, .gridTooLarge(points: 9_000_000_000_000_001), "refused at the first axis, before any value is made")
            XCTAssertTrue("\(error)".contains("more than the 10000000 hypertop enumerates"), "\(error)")
        }
        // A million choices load in linear time (the duplicate check used to be quadratic).
        let many = (0..<200_000).map(String.init).joined(separator: ", ")
        let big = try load(head + "    search_space:\n      c: {type: categorical, choices: [\(many)]}\n").spec
        XCTAssertEqual(big.space.parameters[0].distribution.cardinality, 200_000)
    }

    /// D8: an alias used as a mapping key over nested anchors ("billion laughs") made composing
    /// hash the expanded tree (9 levels ran past 30 s). It is refused at its line, at once; an
    /// alias as a value, quoted or commented stars, and globs stay fine.
    func testAnAliasAsAMappingKeyIsRefusedAtItsLine() throws {
        var laughs = "a0: &a0 [lol]\n"
        for level in 1...9 { laughs += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        for (key, line) in [("? *a9\n: 1\n", 11), ("*a9 : 1\n", 11), ("b: {*a9: 1}\n", 11), ("c:\n  - *a9: 1\n", 12)] {
            XCTAssertThrowsError(try load(laughs + key + "hydra:\n  sweeper:\n    search_space:\n      x: {type: float, low: 0, high: 1}\n"), key) { error in
                XCTAssertEqual((error as? ConfigError)?.line, line, key)
                XCTAssertTrue("\(error)".contains("an alias (`*name`) is used as a mapping key"), "\(error)")
            }
        }
        for fine in ["glob: '*a: 1'\n", "note: x # *a: 1\n", "pattern: a*b: c\n", "v: *a0\n", "files: \"*.txt\"\n"] {
            XCTAssertNil(YAMLFile.aliasKeyLine("a0: &a0 [lol]\n" + fine), fine)
        }
    }

    func testTwoNaNChoicesAreOneChoiceListedTwice() throws {
        XCTAssertThrowsError(try load("hydra:\n  sweeper:\n    study_name: s\n    search_space:\n      c: {type: categorical, choices: [.nan, 1, .nan]}\n")) { error in
            XCTAssertTrue("\(error)".contains("is listed twice"), "\(error)")
        }
    }

    func testDuplicateKeysNameBothLines() throws {
        XCTAssertThrowsError(try load("hydra:\n  sweeper:\n    study_name: a\n    n_jobs: 2\n    study_name: b\n")) { error in
            let e = error as? ConfigError
            XCTAssertEqual(e?.line, 5)
            XCTAssertTrue(e?.message.contains("lines 3 and 5") ?? false, "\(error)")
        }
    }

    func testUpstreamPluginConfigRunsAsItIs() throws {
        let (spec, warnings) = try ConfigLoader.check(path: Self.sphere + "/conf/config.yaml")
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(spec.studyName, "sphere")
        XCTAssertEqual(spec.maxTrials, 6)
        XCTAssertEqual(spec.nJobs, 2)
        XCTAssertEqual(spec.direction, .minimize)
        XCTAssertNil(spec.maxDurationMinutes, "the upstream plugin has no time limit")
        XCTAssertEqual(spec.seed, 123)
        XCTAssertEqual(spec.sampler, .tpe(TPEOptions()))
        XCTAssertEqual(spec.maxFailureRate, 0.0)
        XCTAssertEqual(spec.configName, "config", "the file is the app's primary config")
        XCTAssertEqual(spec.jobOverrides, [], "the app reads its own primary config")
        XCTAssertNil(spec.epochCap)
        XCTAssertEqual(spec.space.parameters.map(\.name), ["x", "y", "z", "w"])
        XCTAssertEqual(spec.space.parameters.map(\.distribution), [
            .float(low: -5.5, high: 5.5, log: false, step: 0.5), .categorical(choices: [.int(-5), .int(0), .int(5)]),
            .float(low: 0.1, high: 2.0, log: false, step: nil), .float(low: 0.001, high: 1.0, log: true, step: nil),
        ])
    }

    func testSweepGrammar() throws {
        func parsed(_ s: String) throws -> SweepGrammar.Parsed { try SweepGrammar.parse(s) }
        XCTAssertEqual(try parsed("range(1, 10, step=3)"), .parameter(.int(low: 1, high: 10, log: false, step: 3)))
        XCTAssertEqual(try parsed("range(4)"), .parameter(.int(low: 0, high: 4, log: false, step: 1)))
        XCTAssertEqual(try parsed("int(interval(1, 64))"), .parameter(.int(low: 1, high: 64, log: false, step: 1)))
        XCTAssertEqual(try parsed("tag(log, int(interval(16, 256)))"), .parameter(.int(low: 16, high: 256, log: true, step: 1)))
        XCTAssertEqual(try parsed("interval(0, 1)"), .parameter(.float(low: 0, high: 1, log: false, step: nil)),
                       "Hydra's interval() makes floats of int bounds (SweepGrammarParityTests checks the plugin)")
        XCTAssertEqual(try parsed("choice(adam, 'sgd', true, null, [8,8])"),
                       .parameter(.categorical(choices: [.string("adam"), .string("sgd"), .bool(true), .null, .list([.int(8), .int(8)])])))
        XCTAssertEqual(try parsed("shuffle(range(1, 3))"), .parameter(.categorical(choices: [.int(1), .int(2), .int(3)])))
        XCTAssertEqual(try parsed("0.5"), .fixed(.float(0.5)))
        for bad in ["range(3, 1)", "interval(1)", "tag(log, interval(0, 1))", "glob(*)", "choice(a, a)", "range(0, 1, step=0.3)", "choice(a"] {
            XCTAssertThrowsError(try parsed(bad), bad)
        }
    }

    func testUnsupportedUpstreamFeaturesAreErrorsNotSilentChanges() throws {
        let head = "hydra:\n  sweeper:\n"
        let space = "    params:\n      x: interval(0, 1.5)\n"
        for (body, text, line) in [
            ("    direction: [minimize, maximize]\n    pruner: median\n", "cannot be pruned", 4),
            ("    custom_search_space: my.module.space\n", "custom_search_space", 3),
            ("    sampler: {_target_: optuna.samplers.NSGAIIISampler}\n", "not available in hypertop", 3),
            ("    storage: mysql://host/db\n", "SQLite file", 3),
            ("    max_failure_rate: 1.5\n", "between 0 and 1", 3),
        ] {
            XCTAssertThrowsError(try load(head + body + space), body) { error in
                XCTAssertEqual((error as? ConfigError)?.line, line, body)
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
        }
        XCTAssertEqual(try load(head + "    storage: sqlite:///runs/s.db\n    direction: minimize\n" + space).spec.storage, "runs/s.db")
    }

    func testTrialArgumentsForAHydraApp() throws {
        var spec = try ConfigLoader.load(path: Self.toy + "/conf/performance/Toy/sac-opti.yaml")
        spec.seedKey = "seed"
        let params: Params = ["++algorithm.learning_rate": .float(0.003), "++algorithm.policy_kwargs.net_arch": .list([.int(8)]),
                              "++algorithm.critic_select": .string("min")]
        let argv = TrialArguments.argv(command: ["python", "src/main.py"], spec: spec, params: params, runDir: "/r/data/sac_Toy/3",
                                       seed: 77, epochCap: 4)
        XCTAssertEqual(Array(argv.prefix(3)), ["python", "src/main.py", "algorithm=sac"])
        XCTAssertEqual(Array(argv.suffix(7)), [
            "++n_epochs=4", "++algorithm.learning_rate=0.003", "++algorithm.policy_kwargs.net_arch=[8]", "++algorithm.critic_select=min",
            "++seed=77", "hydra.run.dir=/r/data/sac_Toy/3", "++hydra.callbacks.hypertop._target_=hypertop_hydra.ReturnValue",
        ])
        spec.passConfig = .performance
        spec.jobOverrides = nil
        let scilab = TrialArguments.argv(command: ["python", "src/main.py"], spec: spec, params: params, runDir: "/r", seed: 1, epochCap: nil)
        XCTAssertEqual(scilab.last, "+performance=Toy/sac-opti")
        XCTAssertFalse(scilab.contains { $0.hasPrefix("hydra.run.dir") || $0 == "algorithm=sac" })
    }

    func testEpochCapShrinksAfterAnEarlyStopButNeverOnNothing() {
        XCTAssertEqual(EpochCap.next(20, afterEpochs: 4), 6)
        XCTAssertEqual(EpochCap.next(6, afterEpochs: 20), 6, "never grows")
        XCTAssertEqual(EpochCap.next(20, afterEpochs: 0), 20, "a trial that logged nothing leaves it (the original's defect 6)")
        var study = Study()
        let t0 = Date(timeIntervalSince1970: 0)
        for (n, epochs, state) in [(0, 0, TrialState.failed), (1, 3, .complete), (2, 1, .pruned)] {
            study.apply(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: [:], runDir: "/r/\(n)", command: [], startedAt: t0)))
            study.apply(.metrics(trial: n, rows: (0..<epochs).map { MetricRow(step: $0, values: ["c": 0.5]) }))
            study.apply(.finished(TrialOutcome(number: n, state: state, score: nil, reason: nil, exitStatus: 0, signal: nil,
                                               endedAt: t0.addingTimeInterval(Double(n)))))
        }
        XCTAssertEqual(EpochCap.current(initial: 10, study: study, criterion: "c"), 4, "only the complete trial's 3 epochs count")
    }

    func testFailFastStopsOnTheFirstFailuresAndOnTheRate() {
        var spec = StudySpec(studyName: "s", maxTrials: 10, nJobs: 1, direction: .maximize, space: SearchSpace([]))
        spec.maxInitialFailures = 3
        var study = Study()
        let t0 = Date(timeIntervalSince1970: 0)
        func end(_ n: Int, _ state: TrialState, _ reason: String?) {
            study.apply(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: [:], runDir: "/r/\(n)", command: [], startedAt: t0)))
            study.apply(.finished(TrialOutcome(number: n, state: state, score: state == .complete ? 1 : nil, reason: reason, exitStatus: 1,
                                               signal: nil, endedAt: t0.addingTimeInterval(Double(n)))))
        }
        end(0, .failed, "exit status 1: ValueError: a")
        end(1, .failed, "exit status 1: ValueError: b")
        XCTAssertNil(FailFast.reason(study: study, spec: spec))
        end(2, .failed, "exit status 1: ValueError: c")
        XCTAssertEqual(FailFast.reason(study: study, spec: spec), "the first 3 trials all failed (max_initial_failures: 3); the last: exit status 1: ValueError: c")
        var healthy = Study()
        swap(&study, &healthy)
        end(0, .complete, nil)
        end(1, .failed, "x")
        end(2, .failed, "y")
        end(3, .failed, "z")
        XCTAssertNil(FailFast.reason(study: study, spec: spec), "once a trial succeeded, the initial rule is over")
        spec.maxFailureRate = 0.5
        XCTAssertEqual(FailFast.reason(study: study, spec: spec), "3 of 4 trials failed, more than max_failure_rate 0.5; the last: z")
    }

    func testTheInformativeStderrLineIsPicked() {
        let hydra = """
        Error merging 'performance/Toy/sac-opti'
        Traceback (most recent call last):
          File "/x/hydra/_internal/utils.py", line 220, in run_and_report
            return func()
        omegaconf.errors.ConfigKeyError: Key 'study_name' not in 'BasicSweeperConf'
            full_key: hydra.sweeper.study_name
            object_type=BasicSweeperConf

        Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.

        """
        XCTAssertEqual(FailureLine.pick(hydra.components(separatedBy: "\n")), "ConfigKeyError: Key 'study_name' not in 'BasicSweeperConf'")
        let short = ["Key 'study_name' not in 'BasicSweeperConf'", "    full_key: hydra.sweeper.study_name", "",
                     "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace."]
        XCTAssertEqual(FailureLine.pick(short), "Key 'study_name' not in 'BasicSweeperConf'")
        XCTAssertEqual(FailureLine.pick(["boom: simulated crash"]), "boom: simulated crash")
        let chained = ["Traceback (most recent call last):", "omegaconf.errors.ConfigKeyError: Key 'study_name' not in 'BasicSweeperConf'", "",
                       "During handling of the above exception, another exception occurred:", "", "Traceback (most recent call last):",
                       "  File \"x.py\", line 1, in <module>",
                       "hydra.errors.ConfigCompositionException: In 'performance/Toy/sac-opti': ConfigKeyError raised while composing config:",
                       "Key 'study_name' not in 'BasicSweeperConf'", "    full_key: hydra.sweeper.study_name"]
        XCTAssertEqual(FailureLine.pick(chained), "ConfigCompositionException: In 'performance/Toy/sac-opti': ConfigKeyError raised while composing config: Key 'study_name' not in 'BasicSweeperConf'")
        XCTAssertNil(FailureLine.pick(["", "   "]))
    }
}
