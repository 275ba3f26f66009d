import Foundation
import TestSupport
import XCTest

/// `hypertop check` on a corpus of configs written the way Scilab-RL's are (a project with
/// conf/main.yaml, groups, and performance files), and on malformed ones.
final class CheckCommandTests: XCTestCase {
    static let corpus = SweepProject.packageRoot.appendingPathComponent("Tests/HypertopCLITests/Fixtures/corpus")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: SweepProject.binary) else { throw missingTool("hypertop binary not built at \(SweepProject.binary)") }
    }

    /// `hypertop check FILES` in the corpus itself (it writes nothing there: a test says so).
    func check(_ files: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProgram(SweepProject.binary, ["check"] + files, in: Self.corpus)
    }

    func files(_ dir: String, suffix: String = ".yaml") throws -> [String] {
        let base = Self.corpus.appendingPathComponent(dir).path
        let found = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
        return found.filter { $0.hasSuffix(suffix) }.sorted().map { dir + "/" + $0 }
    }

    /// Issue 31: a study of several objectives says each objective's direction and name, where
    /// its values come from, and its constraints.
    func testAStudyOfSeveralObjectivesSaysEachObjectiveAndItsConstraints() throws {
        let r = try runProgram(SweepProject.binary, ["check", "conf/performance/Reach/sac_tradeoff-opti.yaml", "hydra.sweeper.constraints=[train/critic_loss]"],
                               in: SweepProject.packageRoot)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].contains(", 2 objectives (maximize eval/success_rate, minimize model/parameters), 30 trials, "), lines[0])
        XCTAssertTrue(lines.contains("  2 objectives: rule mean over each: eval/success_rate, model/parameters (in the job's metrics)"), r.stdout)
        XCTAssertTrue(lines.contains("  constraints (feasible when each is <= 0): train/critic_loss, the last logged value"), r.stdout)
        // A pruner cannot judge several objectives: refused at its line.
        let pruned = try runProgram(SweepProject.binary, ["check", "conf/performance/Reach/sac_tradeoff-opti.yaml", "hydra.sweeper.pruner=median"],
                                    in: SweepProject.packageRoot)
        XCTAssertEqual(pruned.status, 2)
        XCTAssertTrue(pruned.stdout.contains("cannot be pruned"), pruned.stdout + pruned.stderr)
    }

    func testEveryRealShapeIsAccepted() throws {
        let valid = try files("conf/performance")
        XCTAssertGreaterThanOrEqual(valid.count, 20)
        let r = try check(valid)
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("\(valid.count) of \(valid.count) files ok"), r.stdout)
        for file in valid { XCTAssertTrue(r.stdout.contains("ok \(file): "), file) }
        // The first trial's command: the user's app, the file's keys as overrides, the trial dir.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let commands = lines.filter { $0.hasPrefix("    python") || $0.hasPrefix("    python3") }
        XCTAssertEqual(commands.count, valid.count)
        for c in commands {
            XCTAssertTrue(c.contains(" src/main.py algorithm="), c)
            XCTAssertTrue(c.contains(" hydra.run.dir=") || c.contains(" 'hydra.run.dir="), c)
        }
        let reach = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("ok conf/performance/Reach1DOF/sac-opti.yaml") })
        XCTAssertTrue(lines[reach + 2].contains("'++algorithm.policy_kwargs.net_arch=["), "list choices go in Hydra's list syntax: \(lines[reach + 2])")
        // What the score is: the returned value of the Hydra app, else the criterion's rule, which
        // in a Scilab-RL tree is its devel code's.
        XCTAssertEqual(lines[reach + 3], "  score: returned by the app when its main function returns a number; else the job's hyperopt_score when it logs one; "
                       + "else rule scilab2023 over eval/success_rate (in the job's metrics)")
        // What each trial gets of the machine.
        XCTAssertTrue(lines[reach + 4].hasPrefix("  Each trial gets "), lines[reach + 4])
        XCTAssertTrue(lines[reach].hasSuffix(", sampler tpe"), lines[reach])
        // Warnings, with file and line.
        let root = Self.corpus.standardizedFileURL.path
        XCTAssertTrue(r.stdout.contains("warning: \(root)/conf/performance/FetchReach/sac_her-opti.yaml:19: hydra.sweeper has no `direction`; minimizing"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ok conf/performance/FetchReach/sac_her-opti.yaml: study sac_her_FetchReach, 2 parameters (+algorithm.learning_rate, +algorithm.gamma), minimize"))
        for line in [28, 34] {
            XCTAssertTrue(r.stdout.contains("warning: \(root)/conf/performance/Reach1DOF/ppo-opti.yaml:\(line): parameter"), "line \(line)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.corpus.appendingPathComponent("data").path), "check writes nothing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.corpus.appendingPathComponent("delete_me_to_stop_hyperopt").path))
    }

    /// `check --keys` needs no file: it prints the loader's key tables.
    func testKeysPrintsTheKeyTables() throws {
        let r = try check(["--keys"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("hydra.sweeper\n  search_space  "), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nhydra.sweeper.sampler (type: gp)\n"), r.stdout)
    }

    func testMalformedFilesAreRejectedWithTheirLine() throws {
        let malformed = try files("malformed")
        XCTAssertGreaterThanOrEqual(malformed.count, 12)
        let root = Self.corpus.standardizedFileURL.path
        for file in malformed {
            let text = try String(contentsOf: Self.corpus.appendingPathComponent(file), encoding: .utf8)
            func expect(_ key: String) -> String? {
                text.split(separator: "\n").first { $0.hasPrefix("# \(key): ") }.map { String($0.dropFirst(key.count + 4)) }
            }
            let line = try XCTUnwrap(expect("expect-line"), file)
            let r = try check([file])
            XCTAssertEqual(r.status, 2, file)
            let error = r.stdout.trimmingCharacters(in: .newlines)
            XCTAssertTrue(error.hasPrefix("error: \(root)/\(file):\(line): "), "\(file): \(error)")
            XCTAssertTrue(error.contains(try XCTUnwrap(expect("expect-text"))), "\(file): \(error)")
            if let also = expect("expect-also") { XCTAssertTrue(error.contains("lines \(also) and \(line)"), error) }
            XCTAssertEqual(error.split(separator: "\n").count, 1, "one line: \(error)")
            XCTAssertFalse(error.contains("Error Domain"), error)
        }
    }

    func testOneBadFileAmongGoodOnesExitsTwo() throws {
        let r = try check(["conf/performance/FetchReach/cleansac_her-opti.yaml", "malformed/type-floot-opti.yaml", "no/such-file.yaml"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stdout.contains("1 of 3 files ok"), r.stdout)
        XCTAssertTrue(r.stdout.contains("cannot read the config file (no such file)"), r.stdout)
    }
}
