import XCTest
@testable import ReachLearner

final class PerformanceConfigTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("reach-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("conf/performance/Reach"),
                                                withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    @discardableResult
    private func write(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent("conf/performance/Reach/\(name).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private let opti = """
        # @package _global_
        defaults:
          - override /algorithm: sac
        n_epochs: 7
        early_stop_data_column: 'eval/success_rate'
        hyperopt_criterion: 'train/rollout_rewards_mean'
        env: Reach2D-v0
        algorithm:
          use_her: True
          gamma: 0.9
        hydra:
          sweeper:
            study_name: x
            search_space:
              ++algorithm.learning_rate: {type: float, low: 0.0001, high: 0.005, log: true}
        """

    func testJobKeysAreReadAndTheSweepBlockIgnored() throws {
        let path = try write("sac-opti", opti)
        let settings = try PerformanceConfig(path: path).settings
        XCTAssertEqual(settings.map(\.key), ["n_epochs", "early_stop_data_column", "env",
                                             "algorithm.use_her", "algorithm.gamma"], "hyperopt_criterion is the sweep's")
        XCTAssertEqual(settings.first { $0.key == "algorithm.use_her" }?.value, .bool(true))
        XCTAssertEqual(settings.first { $0.key == "algorithm.gamma" }?.line, 10)
        XCTAssertEqual(settings.first { $0.key == "early_stop_data_column" }?.value, .string("eval/success_rate", quoted: true))
    }

    /// A study of several objectives lists one criterion per objective: the job passes over the list.
    func testACriterionListIsTheSweepsAndPassedOver() throws {
        let path = try write("mo-opti", opti.replacingOccurrences(of: "hyperopt_criterion: 'train/rollout_rewards_mean'",
                                                                   with: "hyperopt_criterion: ['eval/success_rate', 'time/total_timesteps']"))
        XCTAssertEqual(try PerformanceConfig(path: path).settings.map(\.key), ["n_epochs", "early_stop_data_column", "env",
                                                                                 "algorithm.use_her", "algorithm.gamma"])
    }

    func testTheCommandLineWinsOverTheFileWhateverItsPosition() throws {
        try write("sac-opti", opti)
        let config = try TrainerCommand.configuration(
            arguments: ["n_epochs=3", "+performance=Reach/sac-opti"],
            environment: ["HYPERTOP_CONFIG_ROOT": root.path], currentDirectory: "/")
        XCTAssertEqual(config.nEpochs, 3)
        XCTAssertEqual(config.agent.gamma, 0.9, "from the file")
        XCTAssertEqual(config.environmentName, "Reach2D-v0", "from the file")
    }

    func testTheFileIsFoundByWalkingUpFromTheCurrentDirectory() throws {
        let path = try write("sac-opti", opti)
        let deep = root.appendingPathComponent("data/run/0")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        XCTAssertEqual(try PerformanceConfig.locate("Reach/sac-opti", environment: [:], currentDirectory: deep.path),
                       URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    func testAMissingFileIsAClearError() throws {
        XCTAssertThrowsError(try PerformanceConfig.locate("Reach/none-opti", environment: ["HYPERTOP_CONFIG_ROOT": root.path],
                                                          currentDirectory: "/")) { error in
            guard let error = error as? TrainerError, case .configNotFound = error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.exitStatus, 2)
            XCTAssertTrue(error.description.contains("conf/performance/Reach/none-opti.yaml"), error.description)
        }
    }

    func testAnUnknownKeyInTheFileNamesFileAndLine() throws {
        try write("bad-opti", "n_epochs: 3\nalgorithm:\n  learning_rte: 0.1\n")
        XCTAssertThrowsError(try TrainerCommand.configuration(
            arguments: ["+performance=Reach/bad-opti"], environment: ["HYPERTOP_CONFIG_ROOT": root.path],
            currentDirectory: "/")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("bad-opti.yaml:3: unknown key 'algorithm.learning_rte'"), message)
        }
    }

    func testInvalidYAMLAndListsAreRejectedWithTheirLine() throws {
        let broken = try write("broken-opti", "n_epochs: 3\nalgorithm: [1, 2\n")
        XCTAssertThrowsError(try PerformanceConfig(path: broken)) { error in
            guard case .configInvalid(_, let line, _) = error as? TrainerError else { return XCTFail("\(error)") }
            XCTAssertNotNil(line)
        }
        let list = try write("list-opti", "n_epochs: 3\nalgorithm:\n  net_arch: [64, 64]\n")
        XCTAssertThrowsError(try PerformanceConfig(path: list)) { error in
            XCTAssertEqual(error as? TrainerError,
                           .configInvalid(path: list, line: 3, reason: "'algorithm.net_arch' is a list; reach-trainer's keys take single values"))
        }
    }

    /// The configs this package ships must load, and mean what their comments say.
    func testTheShippedConfigsLoad() throws {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["Reach/sac-opti", "Reach/sac-test", "Reach/sac_critic_select-opti"] {
            let config = try TrainerCommand.configuration(arguments: ["+performance=\(name)"],
                                                          environment: ["HYPERTOP_CONFIG_ROOT": package.path], currentDirectory: "/")
            XCTAssertTrue(config.useHER, name)
            XCTAssertEqual(config.environmentName, "Reach3D-v0", name)
            XCTAssertEqual(config.evalAfterNSteps, 1000, name)
        }
    }
}
