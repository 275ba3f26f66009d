import Foundation
import TestSupport
import XCTest

/// The end-to-end tests' fixture itself: the sweep file it writes, where it runs `hypertop`,
/// what a run gets and gives back.
final class SweepProjectTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("fixture") }

    override func tearDownWithError() throws { project?.remove() }

    /// The layout the tests that assert a line of the file rely on.
    func testASweepFileIsWrittenInOneLayout() {
        let full = SweepFile(studyName: "s", maxTrials: 4, nJobs: 2, seed: 3, sweeperKeys: ["pruner: {type: asha}"], command: ["/a/job.sh", "--flag"],
                             passConfig: "none", launcher: ["type: slurm", "timeout_min: 5"], searchSpace: ["++x: {type: float, low: 0, high: 1}"],
                             preamble: ["# @package _global_", "n_epochs: 2"])
        XCTAssertEqual(full.text, """
            # @package _global_
            n_epochs: 2
            hydra:
              sweeper:
                study_name: s
                max_trials: 4
                n_jobs: 2
                direction: maximize
                sampler: random
                seed: 3
                pruner: {type: asha}
                command: [/a/job.sh, --flag]
                pass_config: none
                launcher:
                  type: slurm
                  timeout_min: 5
                search_space:
                  ++x: {type: float, low: 0, high: 1}

            """)
        var bare = SweepFile(studyName: "b", maxTrials: 1, nJobs: 1, direction: nil, sampler: nil, command: ["job"],
                             searchSpace: ["++x: {type: float, low: 0, high: 1}", "++y:\n  type: int\n  low: 1\n  high: 2"])
        XCTAssertEqual(bare.text, """
            hydra:
              sweeper:
                study_name: b
                max_trials: 1
                n_jobs: 1
                command: [job]
                search_space:
                  ++x: {type: float, low: 0, high: 1}
                  ++y:
                    type: int
                    low: 1
                    high: 2

            """, "a key left nil is left out; an entry of several lines keeps its own indentation")
        bare.command = []
        XCTAssertTrue(bare.text.contains("    command: []\n"), bare.text)
    }

    /// What the fixture writes is what hypertop reads, from the project's directory.
    func testHypertopReadsTheSweepFileFromTheProject() throws {
        try project.write("sweeps/f-opti.yaml", SweepFile(studyName: "fix", maxTrials: 2, nJobs: 1, direction: "minimize", seed: 1,
                                                          searchSpace: ["++x: {type: float, low: 0, high: 1}", "++y: {type: int, low: 1, high: 3}"]))
        let r = try project.run(["check", "sweeps/f-opti.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("ok sweeps/f-opti.yaml: study fix, 2 parameters (++x, ++y), minimize"), r.stdout)
        XCTAssertTrue(r.stdout.contains(SweepProject.testJob), "the test job is the default command: \(r.stdout)")
        XCTAssertEqual(r.stderr, "")

        // stdout and stderr come back apart.
        let bad = try project.run(["run", "--headless", "nothing-here.yaml"])
        XCTAssertEqual(bad.status, 2, bad.stdout)
        XCTAssertEqual(bad.stdout, "")
        let full = URL(fileURLWithPath: project.path("nothing-here.yaml")).standardizedFileURL.path
        XCTAssertEqual(bad.stderr, "hypertop: error: \(full): cannot read the config file (no such file); check the path.\n")
    }

    /// The project's environment reaches every run, a call's own over it; a variable taken out of
    /// it is gone. (The job writes what it was given.)
    func testTheProjectsEnvironmentAndTheCallsReachTheRun() throws {
        let job = try project.writeScript("env-job.sh", """
            #!/bin/sh
            env > "$HYPERTOP_TRIAL_DIR/env.txt"
            echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"

            """)
        try project.write("e-opti.yaml", SweepFile(studyName: "env", maxTrials: 1, nJobs: 1, seed: 1, command: [job],
                                                   searchSpace: ["++x: {type: float, low: 0, high: 1}"]))
        project.environment["SWEEP_PROJECT_ONLY"] = "project"
        project.environment["SWEEP_PROJECT_BOTH"] = "project"
        let removed = try XCTUnwrap(["HOME", "USER", "LANG", "SHELL"].first { project.environment[$0] != nil }, "a variable this process has")
        project.environment[removed] = nil
        let r = try project.run(["run", "--headless", "e-opti.yaml"], environment: ["SWEEP_PROJECT_BOTH": "call"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let env = try String(contentsOfFile: project.path("data/env/0/env.txt"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(env.contains("SWEEP_PROJECT_ONLY=project"), "\(env)")
        XCTAssertTrue(env.contains("SWEEP_PROJECT_BOTH=call"), "\(env)")
        XCTAssertFalse(env.contains { $0.hasPrefix(removed + "=") }, "\(removed): \(env)")
    }

    /// `start` collects the output as it comes; `finish` past its time sends Ctrl-C, then SIGTERM,
    /// which ends the job that would not stop by itself.
    func testStartCollectsOutputAsItComesAndFinishEndsARunPastItsTime() throws {
        try project.write("slow-opti.yaml", SweepFile(studyName: "slow", maxTrials: 1, nJobs: 1, seed: 1,
                                                      searchSpace: ["++x: {type: float, low: 0, high: 1}"]))
        // SLOW_FROM: the test job blocks until a signal ends it.
        let engine = try project.start(["run", "--headless", "slow-opti.yaml"], environment: ["SLOW_FROM": "0"])
        XCTAssertTrue(engine.stdout.waitFor("Launching jobs"), engine.output.text)
        XCTAssertTrue(project.waitFor(files: ["data/slow/0/pid"]), engine.output.text)
        XCTAssertTrue(engine.isRunning)
        let group = try XCTUnwrap(Int32(String(contentsOfFile: project.path("data/slow/0/pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        engine.finish(timeout: 0.1)
        XCTAssertFalse(engine.isRunning)
        XCTAssertTrue(engine.stdout.isClosed && engine.stderr.isClosed, "all the output is in")
        XCTAssertTrue(engine.stdout.text.contains("Stopping: interrupted (Ctrl-C)"), engine.stdout.text)
        XCTAssertTrue(engine.output.text.contains("Stopping: interrupted (Ctrl-C)"), engine.output.text)
        XCTAssertEqual(liveProcesses(inGroup: group), [], "the job was ended")
    }

    func testFilesAndFoldersAreMadeCopiedAndRemoved() throws {
        let source = try SweepProject("fixture-source")
        defer { source.remove() }
        try source.write("conf/main.yaml", "a: 1\n")
        try source.write(".hidden", "h")
        try source.writeScript("src/main.py", "print(1)\n")
        try project.copy(contentsOf: source.root)
        XCTAssertEqual(try String(contentsOfFile: project.path("conf/main.yaml"), encoding: .utf8), "a: 1\n")
        XCTAssertEqual(try String(contentsOfFile: project.path(".hidden"), encoding: .utf8), "h")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: project.path("src/main.py")))
        XCTAssertFalse(project.waitFor(files: ["conf/main.yaml", "nope"], timeout: 0.1))
        XCTAssertTrue(project.waitFor(files: ["conf/main.yaml", "src/main.py"], timeout: 0.1))
        project.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.root))
    }
}
