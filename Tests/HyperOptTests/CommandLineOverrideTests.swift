import XCTest
@testable import HyperOpt

/// `hypertop run FILE key=value ...`: Hydra's command-line habits, read as the file's own keys.
final class CommandLineOverrideTests: XCTestCase {
    let file = """
    n_epochs: 5
    hydra:
      sweeper:
        study_name: s
        max_trials: 20
        n_jobs: 4
        direction: maximize
        sampler: {type: tpe, seed: 1}
        search_space:
          ++algorithm.learning_rate: {type: float, low: 0.001, high: 0.1, log: true}
          ++algorithm.net_arch: {type: categorical, choices: [[8], [16]]}
    """

    func check(_ overrides: [String], text: String? = nil) throws -> StudySpec {
        let dir = NSTemporaryDirectory() + "overrides-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s-opti.yaml"
        try (text ?? file).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.check(path: path, overrides: overrides).spec
    }

    func error(_ overrides: [String], text: String? = nil) -> String {
        do {
            _ = try check(overrides, text: text)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testSweeperKeysChangeTheStudyAsTheFilesOwnWould() throws {
        let spec = try check(["hydra.sweeper.max_trials=4", "hydra.sweeper.n_jobs=2", "hydra.sweeper.study_name=small",
                              "++hydra.sweeper.sampler.seed=7", "hydra.sweeper.cpus_per_trial=3", "n_epochs=3"])
        XCTAssertEqual(spec.maxTrials, 4)
        XCTAssertEqual(spec.nJobs, 2)
        XCTAssertEqual(spec.studyName, "small")
        XCTAssertEqual(spec.seed, 7)
        XCTAssertEqual(spec.cpusPerTrial, 3)
        XCTAssertEqual(spec.nEpochs, 3, "a job key is read as the job will see it")
        XCTAssertEqual(spec.commandLineJobOverrides, ["n_epochs=3"])
        XCTAssertEqual(spec.commandLineOverrides?.count, 6)
    }

    func testASearchSpaceKeyWithDotsIsOneKey() throws {
        let spec = try check(["hydra.sweeper.search_space.++algorithm.learning_rate.low=0.01"])
        XCTAssertEqual(spec.space.parameters.first?.distribution, .float(low: 0.01, high: 0.1, log: true, step: nil))
        let removed = try check(["~hydra.sweeper.search_space.++algorithm.net_arch"])
        XCTAssertEqual(removed.space.parameters.map(\.name), ["++algorithm.learning_rate"])
    }

    func testJobKeysReachEveryTrialAfterTheFilesOwn() throws {
        let spec = try check(["++algorithm.gamma=0.95", "+new_key=1", "n_epochs=3"])
        let argv = TrialArguments.argv(command: ["python", "main.py"], spec: spec, params: ["++algorithm.learning_rate": .float(0.01)],
                                       runDir: "/r/0", seed: 1, epochCap: nil)
        let gamma = try XCTUnwrap(argv.firstIndex(of: "++algorithm.gamma=0.95"))
        XCTAssertTrue(argv.contains("+new_key=1"))
        XCTAssertLessThan(try XCTUnwrap(argv.firstIndex(of: "++n_epochs=5")), gamma, "the command line's after the file's: it wins")
        XCTAssertLessThan(gamma, try XCTUnwrap(argv.firstIndex(of: "++algorithm.learning_rate=0.01")))
    }

    func testErrorsNameTheOverride() {
        XCTAssertEqual(error(["hydra.sweeper.max_trials=abc"]),
                       "command-line override `hydra.sweeper.max_trials=abc`: `max_trials` must be a whole number, got `abc`.")
        XCTAssertEqual(error(["hydra.sweeper.n_jobs=2", "hydra.sweeper.nope=1"]).prefix(70),
                       "command-line override `hydra.sweeper.nope=1`: unknown key `nope` in hydra.sweeper; known".prefix(70))
        XCTAssertEqual(error(["n_epochs=0"]), "command-line override `n_epochs=0`: `n_epochs` must be at least 1, got 0.")
        XCTAssertTrue(error(["lr=0.1,0.2"]).hasPrefix("command-line override `lr=0.1,0.2`: `0.1,0.2` is a Hydra sweep"))
        XCTAssertTrue(error(["n_epochs"]).hasPrefix("command-line override `n_epochs`: an override is `key=value`"))
        XCTAssertTrue(error(["++algorithm.learning_rate=0.1"]).contains("is a parameter of the search space"))
        // The file's own mistake is still the file's, at its line.
        let broken = file.replacingOccurrences(of: "max_trials: 20", with: "max_trials: twenty")
        XCTAssertTrue(error(["hydra.sweeper.n_jobs=2"], text: broken).hasSuffix(":5: `max_trials` must be a whole number, got `twenty`."),
                      error(["hydra.sweeper.n_jobs=2"], text: broken))
        // An override can mend it.
        XCTAssertEqual(try check(["hydra.sweeper.max_trials=3"], text: broken).maxTrials, 3)
    }

    func testQuotedAndListValues() throws {
        let spec = try check(["hydra.sweeper.study_name='it\\'s'", "++algorithm.policy_kwargs.net_arch=[256,256,256]"])
        XCTAssertEqual(spec.studyName, "it's")
        XCTAssertEqual(spec.commandLineJobOverrides, ["++algorithm.policy_kwargs.net_arch=[256,256,256]"])
        XCTAssertFalse(CommandLineOverride.isSweep("[1,2]"))
        XCTAssertFalse(CommandLineOverride.isSweep("'a,b'"))
        XCTAssertTrue(CommandLineOverride.isSweep("choice(1,2)"))
        XCTAssertTrue(CommandLineOverride.isSweep("a,b"))
    }

    /// An app whose sweeper group is `optuna` (Scilab-RL's, the upstream plugin's) has
    /// `hydra.sweeper.study_name`: each trial gets the study's name there.
    func testTheStudyNameReachesAnOptunaSweeperApp() throws {
        let text = "defaults:\n  - override hydra/sweeper: optuna\n" + file
        let spec = try check([], text: text)
        XCTAssertEqual(spec.sweeperStudyNameKey, true)
        let argv = TrialArguments.argv(command: ["python"], spec: spec, params: [:], runDir: "/r", seed: 1, epochCap: nil)
        XCTAssertTrue(argv.contains("++hydra.sweeper.study_name=s"), "\(argv)")
        let plain = try check([])
        XCTAssertNil(plain.sweeperStudyNameKey)
        XCTAssertFalse(TrialArguments.argv(command: ["python"], spec: plain, params: [:], runDir: "/r", seed: 1, epochCap: nil)
            .contains { $0.contains("study_name") }, "a basic sweeper has no such key")
    }

    func testResourceKeys() throws {
        XCTAssertEqual(try check(["hydra.sweeper.gpus_per_trial=0.5"]).gpusPerTrial, 0.5)
        XCTAssertTrue(error(["hydra.sweeper.gpus_per_trial=1.5"]).contains("more than one GPU but not a whole number"))
        XCTAssertTrue(error(["hydra.sweeper.cpus_per_trial=-1"]).contains("`cpus_per_trial` must be at least 0"))
        // On Slurm they become the job's own request.
        let slurm = try check(["hydra.sweeper.launcher.type=slurm", "hydra.sweeper.cpus_per_trial=4", "hydra.sweeper.gpus_per_trial=1"])
        guard case .slurm(let o) = slurm.launching else { return XCTFail("not slurm") }
        XCTAssertEqual(o.cpusPerTask, 4)
        XCTAssertEqual(o.gpusPerNode, 1)
        XCTAssertTrue(error(["hydra.sweeper.launcher.type=slurm", "hydra.sweeper.gpus_per_trial=0.5"]).contains("a Slurm job gets whole GPUs"))
    }

    /// `best` takes the words the trial itself ran with, after its job's command, also when the
    /// study was resumed later with other overrides.
    func testTheReproductionIsTheTrialsOwnWordsAfterItsJobsCommand() throws {
        let first = try check(["n_epochs=3"])
        let params: Params = ["++algorithm.learning_rate": .float(0.01), "++algorithm.net_arch": .list([.int(8)])]
        let argv = TrialArguments.argv(command: ["python", "-u", "src/main.py"], spec: first, params: params, runDir: "/r/0", seed: 1, epochCap: nil)
        var launch = TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: params, runDir: "/r/0", command: argv, startedAt: Date())
        launch.jobWords = 3
        let resumed = try check(["n_epochs=3", "++extra=1", "+more=2"])
        let words = TrialArguments.reproduction(of: launch, spec: resumed)
        XCTAssertEqual(words.first, "++n_epochs=5", "the file's first key, not a word of the job's command: \(words)")
        XCTAssertTrue(words.contains("n_epochs=3") && words.contains("++algorithm.learning_rate=0.01"), "\(words)")
        XCTAssertFalse(words.contains { $0.hasPrefix("hydra.run.dir=") || $0.contains("hypertop_hydra") }, "hypertop's wiring is left out: \(words)")
        XCTAssertEqual(words.count, argv.count - 3 - 2)
        // A launch recorded before the count was kept: hypertop's words are counted from the spec.
        launch.jobWords = nil
        XCTAssertEqual(TrialArguments.reproduction(of: launch, spec: first), words)
    }
}
