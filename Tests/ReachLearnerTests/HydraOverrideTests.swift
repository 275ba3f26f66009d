import XCTest
@testable import ReachLearner

final class HydraOverrideTests: XCTestCase {
    private func parse(_ text: String) throws -> HydraOverride { try HydraOverride(parsing: text) }

    private func assertMalformed(_ text: String, mentions fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            guard case .malformedOverride(let override, let reason) = error as? TrainerError else {
                return XCTFail("\(text): unexpected \(error)", file: file, line: line)
            }
            XCTAssertEqual(override, text, file: file, line: line)
            XCTAssertTrue(reason.contains(fragment), "\(reason)", file: file, line: line)
        }
    }

    func testPrefixesAndKeys() throws {
        XCTAssertEqual(try parse("n_epochs=20").prefix, HydraOverride.Prefix.none)
        XCTAssertEqual(try parse("+performance=Reach/sac-opti").prefix, .add)
        let forced = try parse("++algorithm.learning_rate=0.001")
        XCTAssertEqual(forced.prefix, .force)
        XCTAssertEqual(forced.key, "algorithm.learning_rate")
        XCTAssertEqual(forced.value, .float(0.001))
        XCTAssertEqual(try parse("+performance=Reach/sac-opti").value, .string("Reach/sac-opti", quoted: false))
    }

    func testValuesFollowHydrasGrammar() throws {
        let cases: [(String, HydraValue)] = [
            ("20", .int(20)), ("-3", .int(-3)), ("+4", .int(4)), ("1_000", .int(1000)),
            ("0.5", .float(0.5)), (".5", .float(0.5)), ("5.", .float(5)), ("1e-3", .float(0.001)), ("2E+2", .float(200)),
            ("-inf", .float(-.infinity)), ("true", .bool(true)), ("True", .bool(true)), ("FALSE", .bool(false)),
            ("null", .null), ("min", .string("min", quoted: false)), ("eval/success_rate", .string("eval/success_rate", quoted: false)),
            ("'0.5'", .string("0.5", quoted: true)), ("\"max\"", .string("max", quoted: true)),
            ("'it\\'s'", .string("it's", quoted: true)), ("", .string("", quoted: false)), (" 7 ", .int(7)),
            ("1e", .string("1e", quoted: false)), ("1.2.3", .string("1.2.3", quoted: false)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try parse("k=" + text).value, expected, "k=\(text)")
        }
        XCTAssertTrue(try { if case .float(let f) = try parse("k=nan").value { return f.isNaN } else { return false } }())
    }

    func testMalformedOverridesAreRejected() {
        assertMalformed("n_epochs", mentions: "no '='")
        assertMalformed("=3", mentions: "is not a key")
        assertMalformed("algorithm..gamma=1", mentions: "is not a key")
        assertMalformed("1abc=1", mentions: "is not a key")
        assertMalformed("~seed=1", mentions: "'~'")
        assertMalformed("seed=1,2", mentions: "sweep")
        assertMalformed("seed=choice(1,2)", mentions: "sweep")
        assertMalformed("seed=[1]", mentions: "'['")
        assertMalformed("env='Reach2D-v0", mentions: "not closed")
        assertMalformed("env='a'b", mentions: "after the closing quote")
        assertMalformed("seed=${oc.env:SEED}", mentions: "interpolation")
    }

    private func configuration(_ arguments: [String], environment: [String: String] = [:],
                               directory: String = NSTemporaryDirectory()) throws -> TrainingConfig {
        try TrainerCommand.configuration(arguments: arguments, environment: environment, currentDirectory: directory)
    }

    func testKnownKeysSetTheConfiguration() throws {
        let config = try configuration([
            "++algorithm.learning_rate=0.002", "algorithm.gamma=0.9", "+algorithm.tau=1e-2", "++algorithm.critic_select=max",
            "algorithm.use_her=False", "algorithm.batch_size=64", "seed=5", "n_epochs=7", "eval_after_n_steps=300",
            "early_stop_threshold=0.8", "early_stop_data_column=train/rollout_rewards_mean", "early_stop_last_n=2",
            "env=Reach2DDense-v0", "algorithm.ent_coef=auto_0.5", "hyperopt_criterion=eval/success_rate",
        ])
        XCTAssertEqual(config.agent.learningRate, 0.002)
        XCTAssertEqual(config.agent.gamma, 0.9)
        XCTAssertEqual(config.agent.tau, 0.01)
        XCTAssertEqual(config.agent.criticSelect, .max)
        XCTAssertFalse(config.useHER)
        XCTAssertEqual(config.agent.batchSize, 64)
        XCTAssertEqual(config.seed, 5)
        XCTAssertEqual(config.nEpochs, 7)
        XCTAssertEqual(config.evalAfterNSteps, 300)
        XCTAssertEqual(config.earlyStopThreshold, 0.8)
        XCTAssertEqual(config.earlyStopDataColumn, "train/rollout_rewards_mean")
        XCTAssertEqual(config.earlyStopLastN, 2)
        XCTAssertEqual(config.environment, ReachEnvironment(dimensions: 2, reward: .dense))
        XCTAssertEqual(config.agent.entropyCoefficient, .auto(initial: 0.5))
        XCTAssertEqual(try configuration(["algorithm.ent_coef=0.2"]).agent.entropyCoefficient, .fixed(0.2))
        XCTAssertEqual(try configuration(["algorithm.critic_select='min'"]).agent.criticSelect, .min)
    }

    func testUnknownKeysAndBadValuesNameTheOverrideAndTheKnownKeys() {
        let rejected = ["algorithm.lr=0.1", "++algorithm.gamma=abc", "algorithm.gamma=1.5", "algorithm.learning_rate=0",
                        "algorithm.critic_select=mean", "algorithm.use_her=yes", "n_epochs=2.5", "n_epochs=0", "seed=-1",
                        "env=FetchReach-v2", "early_stop_data_column=eval/foo", "algorithm.ent_coef=auto_x", "algorithm.batch_size=0"]
        for text in rejected {
            XCTAssertThrowsError(try configuration([text]), text) { error in
                guard let error = error as? TrainerError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.exitStatus, 2)
                let message = error.description
                XCTAssertTrue(message.contains("'\(text)'"), message)
                XCTAssertTrue(message.contains("known keys: env, seed, n_epochs"), message)
                XCTAssertFalse(message.contains("\n"), "one line: \(message)")
            }
        }
    }

    func testOptionsAreRejected() {
        XCTAssertThrowsError(try configuration(["--multirun"])) { error in
            XCTAssertEqual((error as? TrainerError)?.exitStatus, 2)
        }
    }
}
