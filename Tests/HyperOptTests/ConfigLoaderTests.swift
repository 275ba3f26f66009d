import Foundation
import XCTest
@testable import HyperOpt

final class ConfigLoaderTests: XCTestCase {
    /// The seed wiki's tutorial config, as users have it (with the duplicated `env:` key removed,
    /// which YAML forbids and the wiki's copy has by mistake).
    static let wiki = """
    # @package _global_
    # Changes specified in this config should be interpreted as relative to the _global_ package.
    defaults:
      - override /algorithm: cleansac_mod

    # overwrite default parameters.
    env: 'FetchReach-v2'

    eval_after_n_steps: 2000
    early_stop_threshold: 0.6
    early_stop_data_column: 'eval/success_rate'
    hyperopt_criterion: 'train/rollout_rewards_mean'

    algorithm:
      use_her: True

    hydra:
      sweeper:
        study_name: cleansac_mod_FetchReach
        max_trials: 8
        n_jobs: 4
        direction: maximize
        max_duration_minutes: 120
        min_trials_per_param: 4
        max_trials_per_param: 4
        search_space:
          ++algorithm.critic_select:
            type: categorical
            choices:
              - min
              - max
    """

    func testWikiTutorialConfigLoadsUnchanged() throws {
        let spec = try ConfigLoader.parse(Self.wiki, path: "/p/conf/performance/FetchReach/cleansac_mod-opti.yaml")
        XCTAssertEqual(spec.studyName, "cleansac_mod_FetchReach")
        XCTAssertEqual(spec.maxTrials, 8)
        XCTAssertEqual(spec.nJobs, 4)
        XCTAssertEqual(spec.direction, .maximize)
        XCTAssertEqual(spec.maxDurationMinutes, 120)
        XCTAssertEqual(spec.minTrialsPerParam, 4)
        XCTAssertEqual(spec.maxTrialsPerParam, 4)
        XCTAssertEqual(spec.criterion, "train/rollout_rewards_mean")
        XCTAssertEqual(spec.evalAfterNSteps, 2000)
        XCTAssertEqual(spec.space.parameters, [Parameter(name: "++algorithm.critic_select", distribution: .categorical(choices: [.string("min"), .string("max")]))])
        XCTAssertEqual(spec.performanceName, "FetchReach/cleansac_mod-opti")
        XCTAssertEqual(spec.sampler, .tpe(TPEOptions()))
    }

    func testReferenceSearchSpaceTypes() throws {
        let yaml = """
        hydra:
          sweeper:
            study_name: s
            max_trials: 32
            n_jobs: 9
            direction: minimize
            search_space:
              ++algorithm.learning_rate: {type: float, low: 0.0001, high: 0.005, log: true}
              ++algorithm.policy_kwargs.n_critics: {type: int, low: 1, high: 4}
              ++env: {type: categorical, choices: [A-v0, B-v0]}
              ++algorithm.batch_size: {type: int, low: 64, high: 512, step: 64}
              ++algorithm.flag: {type: categorical, choices: [true, 'true', 3, 0.5, null]}
        """
        let spec = try ConfigLoader.parse(yaml, path: "s.yaml")
        XCTAssertEqual(spec.direction, .minimize)
        XCTAssertEqual(spec.criterion, "eval/success_rate")
        XCTAssertNil(spec.performanceName)
        let d = spec.space.parameters.map(\.distribution)
        XCTAssertEqual(d[0], .float(low: 0.0001, high: 0.005, log: true, step: nil))
        XCTAssertEqual(d[1], .int(low: 1, high: 4, log: false, step: 1))
        XCTAssertEqual(d[2], .categorical(choices: [.string("A-v0"), .string("B-v0")]))
        XCTAssertEqual(d[3], .int(low: 64, high: 512, log: false, step: 64))
        XCTAssertEqual(d[4], .categorical(choices: [.bool(true), .string("true"), .int(3), .float(0.5), .null]))
    }

    func testOwnKeysAndSamplerMapping() throws {
        let yaml = """
        hydra:
          sweeper:
            study_name: s
            max_trials: 4
            command: [python, src/main.py]
            sampler: {type: tpe, n_startup_trials: 5, multivariate: false}
            seed: 42
            workdir: out
            score: last
            search_space:
              x: {type: float, low: 0, high: 1, step: 0.25}
        """
        let spec = try ConfigLoader.parse(yaml, path: "s.yaml")
        XCTAssertEqual(spec.command, ["python", "src/main.py"])
        var o = TPEOptions()
        o.nStartupTrials = 5
        o.multivariate = false
        XCTAssertEqual(spec.sampler, .tpe(o))
        XCTAssertEqual(spec.seed, 42)
        XCTAssertEqual(spec.workdir, "out")
        XCTAssertEqual(spec.score, .last)
        XCTAssertEqual(spec.space.parameters[0].distribution, .float(low: 0, high: 1, log: false, step: 0.25))
    }

    func testHydraOptunaSweeperSamplerTargetIsUnderstood() throws {
        let yaml = """
        hydra:
          sweeper:
            _target_: hydra_plugins.hydra_custom_optuna_sweeper.CustomOptunaSweeper
            study_name: s
            max_trials: 4
            sampler:
              _target_: optuna.samplers.RandomSampler
              seed: 123
            search_space:
              x: {type: float, low: 0, high: 1}
        """
        let spec = try ConfigLoader.parse(yaml, path: "s.yaml")
        XCTAssertEqual(spec.sampler, .random)
        XCTAssertEqual(spec.seed, 123)
    }

    private func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, path: "bad-opti.yaml")
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            XCTFail("unexpected error type \(error)")
            return nil
        }
    }

    private func sweeper(_ body: String) -> String {
        "hydra:\n  sweeper:\n    study_name: s\n    max_trials: 4\n" + body
    }

    func testUnknownSweeperKeyNamesKeyFileLineAndKnownKeys() throws {
        let e = try XCTUnwrap(error(sweeper("    n_trails: 3\n    search_space:\n      x: {type: float, low: 0, high: 1}\n")))
        XCTAssertEqual(e.file, "bad-opti.yaml")
        XCTAssertEqual(e.line, 5)
        XCTAssertTrue(e.message.contains("unknown key `n_trails`"), e.message)
        XCTAssertTrue(e.message.contains("max_trials_per_param") && e.message.contains("study_name"), e.message)
        XCTAssertTrue(e.description.hasPrefix("bad-opti.yaml:5: "), e.description)
    }

    func testUnknownParameterKey() throws {
        let e = try XCTUnwrap(error(sweeper("    search_space:\n      x:\n        type: float\n        low: 0\n        hihg: 1\n")))
        XCTAssertEqual(e.line, 9)
        XCTAssertTrue(e.message.contains("unknown key `hihg` in parameter `x`"), e.message)
    }

    func testInvalidRangesCarryTheirLine() throws {
        let cases: [(String, Int, String)] = [
            ("      x: {type: float, low: 2, high: 1}\n", 6, "greater than high"),
            ("      x: {type: float, low: 0, high: 1, log: true}\n", 6, "needs low > 0"),
            ("      x: {type: int, low: -1, high: 8, log: true}\n", 6, "needs low > 0"),
            ("      x: {type: categorical, choices: []}\n", 6, "`choices` is empty"),
            ("      x: {type: float, low: 0, high: 1, step: 0.3}\n", 6, "does not divide"),
            ("      x: {type: int, low: 0, high: 10, step: 3}\n", 6, "does not divide"),
            ("      x: {type: uniform, low: 0, high: 1}\n", 6, "not float, int or categorical"),
            ("      x: {type: int, low: 0.5, high: 1}\n", 6, "whole number"),
            ("      x: {low: 0, high: 1}\n", 6, "needs `type`"),
        ]
        for (param, line, text) in cases {
            // Line 6: the parameter's own line (after hydra, sweeper, study_name, max_trials, search_space).
            let e = try XCTUnwrap(error(sweeper("    search_space:\n" + param)), param)
            XCTAssertEqual(e.line, line, param)
            XCTAssertTrue(e.message.contains(text), "\(param): \(e.message)")
        }
    }

    func testSweeperValuesAreChecked() throws {
        let space = "    search_space:\n      x: {type: float, low: 0, high: 1}\n"
        XCTAssertTrue(try XCTUnwrap(error(sweeper("    n_jobs: 0\n" + space))).message.contains("at least 1"))
        XCTAssertTrue(try XCTUnwrap(error(sweeper("    direction: up\n" + space))).message.contains("not `minimize` or `maximize`"))
        let e = try XCTUnwrap(error(sweeper("    min_trials_per_param: 3\n    max_trials_per_param: 2\n" + space)))
        XCTAssertEqual(e.line, 6)
        XCTAssertTrue(e.message.contains("smaller than min_trials_per_param"))
        XCTAssertTrue(try XCTUnwrap(error(sweeper("    sampler: nsgaiii\n" + space))).message.contains("not available in hypertop; use tpe, gp, cmaes, qmc, nsgaii, random or grid"))
        XCTAssertTrue(try XCTUnwrap(error(sweeper("    sampler: annealing\n" + space))).message.contains("not one of tpe, gp, cmaes, qmc, nsgaii, motpe, random, grid"))
        XCTAssertTrue(try XCTUnwrap(error(sweeper("    score: median\n" + space))).message.contains("score `median`"))
        XCTAssertTrue(try XCTUnwrap(error(sweeper(""))).message.contains("search_space"))
        XCTAssertTrue(try XCTUnwrap(error("a: 1\n")).message.contains("no `hydra:` block"))
    }

    /// D17: a config saved as UTF-16 (with or without a byte-order mark) or a binary file says
    /// what it is and how to fix it, not "check the path".
    func testAConfigThatIsNotUTF8TextSaysWhatItIs() throws {
        let dir = NSTemporaryDirectory() + "enc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = "hydra:\n  sweeper:\n    study_name: s\n"
        let cases: [(String, Data, String)] = [
            ("bom.yaml", try XCTUnwrap(yaml.data(using: .utf16)), "it is UTF-16 (or UTF-32) text; save it as UTF-8"),
            ("le.yaml", try XCTUnwrap(yaml.data(using: .utf16LittleEndian)), "it is UTF-16 (or UTF-32) text; save it as UTF-8"),
            ("bin.yaml", Data([0x7F, 0x45, 0x4C, 0x46, 0xC3, 0x28, 0x00, 0x01]), "it is binary data"),
            ("latin1.yaml", Data("study_name: caf\u{E9}\n".data(using: .isoLatin1)!), "it is not UTF-8 text"),
        ]
        for (name, data, text) in cases {
            let path = dir + "/" + name
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ConfigLoader.load(path: path), name) { error in
                XCTAssertTrue("\(error)".contains(text), "\(name): \(error)")
                XCTAssertFalse("\(error)".contains("check the path"), "\(name): \(error)")
            }
        }
    }

    /// Found by the fuzz test: a control character YAML refuses gave Yams's several-line text.
    func testAControlCharacterIsOneLineAtItsLine() throws {
        let e = try XCTUnwrap(error("hydra:\n  sweeper:\n    study_name: s\n    max_trials: 4\u{1}\n"))
        XCTAssertEqual(e.line, 4)
        XCTAssertEqual(e.message, "malformed YAML: control characters are not allowed (character U+0001); remove it.")
        XCTAssertFalse(e.description.contains("\n"))
        // A value quoted back from the file keeps the error on one line (found by the fuzz test too).
        let quoted = try XCTUnwrap(error(sweeper("    search_space:\n      x: {type: \"float\\nint\\u001b[2J\", low: 0, high: 1}\n")))
        XCTAssertEqual(quoted.message, "parameter `x`: type `float\\u{A}int\\u{1B}[2J` is not float, int or categorical.")
    }

    func testMalformedYAMLReportsItsLine() throws {
        let e = try XCTUnwrap(error("hydra:\n  sweeper:\n    study_name: [unclosed\n    max_trials: 3\n"))
        XCTAssertNotNil(e.line)
        XCTAssertTrue(e.message.hasPrefix("malformed YAML"), e.message)
    }

    func testDuplicateKeyIsAnError() throws {
        let e = try XCTUnwrap(error(sweeper("    n_jobs: 1\n    n_jobs: 2\n    search_space:\n      x: {type: float, low: 0, high: 1}\n")))
        XCTAssertEqual(e.line, 6)
        XCTAssertTrue(e.message.contains("`n_jobs` appears twice"), e.message)
    }

    func testPerformanceName() {
        XCTAssertEqual(ConfigLoader.performanceName(forConfigAt: "/x/conf/performance/Reach/sac-opti.yaml"), "Reach/sac-opti")
        XCTAssertEqual(ConfigLoader.performanceName(forConfigAt: "/x/conf/performance/Blocks/o1/sac-opti.yml"), "Blocks/o1/sac-opti")
        XCTAssertNil(ConfigLoader.performanceName(forConfigAt: "/x/elsewhere/sac-opti.yaml"))
    }

    /// Every example config the repository ships must load.
    func testEveryBundledConfigParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let conf = root.appendingPathComponent("conf/performance")
        let files = (FileManager.default.enumerator(atPath: conf.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix("-opti.yaml") }
        XCTAssertFalse(files.isEmpty, "no *-opti.yaml under \(conf.path)")
        for f in files {
            let spec = try ConfigLoader.load(path: conf.appendingPathComponent(f).path)
            XCTAssertGreaterThan(spec.maxTrials, 0, f)
            XCTAssertFalse(spec.space.parameters.isEmpty, f)
        }
    }
}
