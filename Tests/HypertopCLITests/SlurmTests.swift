import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Sweeps on a real Slurm (`scripts/slurm-up.sh` starts a one-node cluster; CI runs it), through
/// the real `hypertop` binary: every trial is an sbatch job.
final class SlurmTests: XCTestCase {
    var project: SweepProject!
    var study: String!

    override func setUpWithError() throws {
        let sinfo = try? runProgram("/usr/bin/env", ["sinfo", "-h", "-o", "%T"])
        guard let sinfo, sinfo.status == 0, !sinfo.stdout.isEmpty else {
            throw missingTool("no Slurm answers here (`sinfo` failed: \(sinfo?.stderr ?? "not found")); start one with scripts/slurm-up.sh")
        }
        project = try SweepProject("slurm")
        study = "sl" + UUID().uuidString.prefix(8).lowercased()
    }

    override func tearDownWithError() throws {
        // Whatever a failed test left in the queue goes (nothing when setUp skipped before naming the study).
        if study != nil { _ = try? runProgram("/usr/bin/env", ["scancel", "--name", jobNames.joined(separator: ",")]) }
        project?.remove()
    }

    var jobNames: [String] { (0..<20).map { "hypertop-\(study!)-\($0)" } }

    /// The test job over x, each trial a Slurm job; `launcher` adds lines to the launcher block.
    /// (A run's log is its `output`: stdout and stderr together, as a terminal shows them.)
    func config(maxTrials: Int, nJobs: Int, epochs: Int, sleep: Double, launcher: [String] = []) -> SweepFile {
        SweepFile(studyName: study, maxTrials: maxTrials, nJobs: nJobs, seed: 5, passConfig: "none",
                  launcher: ["type: slurm", "timeout_min: 5", "poll_seconds: 1"] + launcher,
                  searchSpace: ["++x: {type: float, low: 0.1, high: 0.9}", "++sleep: {type: categorical, choices: [\(sleep)]}",
                                "++epochs: {type: categorical, choices: [\(epochs)]}"])
    }

    /// The study's jobs Slurm still lists (pending, running, completing).
    func jobsInQueue() throws -> [String] {
        let r = try runProgram("/usr/bin/env", ["squeue", "-h", "-o", "%i %j %T"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map(String.init).filter { $0.contains("hypertop-\(study!)-") }
    }

    /// A job's state in Slurm's job completion file (`sacct -c`) or, while it lingers, squeue.
    func slurmState(ofTrial n: Int) throws -> String {
        let id = try String(contentsOfFile: project.path("data/\(study!)/\(n)/slurm_job_id"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<40 {
            let c = try runProgram("/usr/bin/env", ["sacct", "-c", "-n", "-P", "-j", id, "-o", "JobID,State"])
            if let line = c.stdout.split(separator: "\n").last(where: { $0.hasPrefix(id + "|") }) {
                return String(line.split(separator: "|")[1])
            }
            usleep(250_000)
        }
        return "unknown"
    }

    func waitForQueueToEmpty(timeout: Double = 20) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var left = try jobsInQueue()
        while !left.isEmpty && Date() < deadline {
            usleep(250_000)
            left = try jobsInQueue()
        }
        return left
    }

    func testASweepRunsAsSlurmJobsAndLeavesNoneInTheQueue() throws {
        let path = try project.write("s-opti.yaml", config(maxTrials: 4, nJobs: 2, epochs: 2, sleep: 0.5))
        let p = try project.start(["run", "--headless", path])
        let log = p.output
        XCTAssertEqual(p.finish(timeout: 120), 0, log.text)
        XCTAssertTrue(log.text.contains("Trials: 4 (4 COMPLETE)"), log.text)
        XCTAssertTrue(log.text.contains("Trial #0 QUEUED"), log.text)
        XCTAssertTrue(log.text.range(of: #"Trial #0 RUNNING on \S+ after [0-9.]+s in the queue"#, options: .regularExpression) != nil, log.text)
        for n in 0..<4 {
            let trial = project.path("data/\(study!)/\(n)")
            let id = try String(contentsOfFile: trial + "/slurm_job_id", encoding: .utf8)
            XCTAssertNotNil(Int(id.trimmingCharacters(in: .whitespacesAndNewlines)), "trial \(n) was Slurm job \(id)")
            let sbatch = try String(contentsOfFile: trial + "/sbatch.txt", encoding: .utf8)
            XCTAssertTrue(sbatch.contains("--job-name=hypertop-\(study!)-\(n) ") && sbatch.contains("--time=5 "), sbatch)
            let args = try String(contentsOfFile: trial + "/args.txt", encoding: .utf8)
            XCTAssertTrue(args.contains("++epochs=2\n"), "the job got its argv: \(args)")
            XCTAssertEqual(try slurmState(ofTrial: n), "COMPLETED")
        }
        XCTAssertEqual(try jobsInQueue(), [], "no job of the study is left in squeue")
    }

    func testInterruptingTwiceCancelsTheJobsInSlurm() throws {
        let path = try project.write("k-opti.yaml", config(maxTrials: 4, nJobs: 2, epochs: 1, sleep: 120))
        let p = try project.start(["run", "--headless", path])
        let log = p.output
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        kill(p.pid, SIGINT)
        XCTAssertTrue(log.waitFor("Stopping: interrupted"), log.text)
        kill(p.pid, SIGINT)
        XCTAssertEqual(p.finish(timeout: 60), 130, log.text)
        XCTAssertTrue(log.text.contains("Trial #0 FAIL: killed by Ctrl-C"), log.text)
        XCTAssertTrue(log.text.contains("Trial #1 FAIL: killed by Ctrl-C"), log.text)
        XCTAssertFalse(log.text.contains("Trial #2"), "nothing is launched after Ctrl-C: \(log.text)")
        XCTAssertEqual(try slurmState(ofTrial: 0), "CANCELLED")
        XCTAssertEqual(try slurmState(ofTrial: 1), "CANCELLED")
        XCTAssertEqual(try jobsInQueue(), [])
    }

    /// A kill from `attach` (a request file, as another shell or machine would write it) cancels
    /// the trial's Slurm job; its slot is refilled.
    func testAKilledTrialIsCancelledInSlurm() throws {
        let path = try project.write("kill-opti.yaml", config(maxTrials: 3, nJobs: 2, epochs: 1, sleep: 120))
        let p = try project.start(["run", "--headless", path])
        let log = p.output
        XCTAssertTrue(log.waitFor("Trial #0 RUNNING", timeout: 30), log.text)
        let requests = project.path("data/\(study!)/.hypertop-requests")
        XCTAssertTrue(FileManager.default.fileExists(atPath: requests) || (try? FileManager.default.createDirectory(atPath: requests, withIntermediateDirectories: true)) != nil)
        // A request as any writer would leave it: a numbered JSON command (see RequestFiles).
        try #"{"kill": {"trial": 0, "reason": "killed by the test"}}"#.write(toFile: requests + "/000000000001.json", atomically: true, encoding: .utf8)
        XCTAssertTrue(log.waitFor("Trial #0 FAIL: killed by the test", timeout: 30), log.text)
        XCTAssertEqual(try slurmState(ofTrial: 0), "CANCELLED")
        XCTAssertTrue(log.waitFor("Trial #2 RUNNING", timeout: 30), "the slot is refilled: \(log.text)")
        try #"{"killAll": {}}"#.write(toFile: requests + "/000000000002.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(p.finish(timeout: 60), 0, log.text)
        XCTAssertEqual(try slurmState(ofTrial: 1), "CANCELLED")
        XCTAssertEqual(try jobsInQueue(), [])
    }

    func testDeletingTheStopFileStopsLaunching() throws {
        let path = try project.write("stop-opti.yaml", config(maxTrials: 6, nJobs: 2, epochs: 2, sleep: 2))
        let p = try project.start(["run", "--headless", path])
        let log = p.output
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        try FileManager.default.removeItem(atPath: project.path("delete_me_to_stop_hyperopt"))
        XCTAssertEqual(p.finish(timeout: 90), 0, log.text)
        XCTAssertTrue(log.text.contains("Trials: 2 (2 COMPLETE)"), log.text)
        XCTAssertEqual(try jobsInQueue(), [])
    }

    func testAJobPastItsTimeLimitFailsWithTimeout() throws {
        // Slurm counts `--time` in minutes, or `M:S`: a later --time overrides timeout_min.
        let path = try project.write("t-opti.yaml", config(maxTrials: 1, nJobs: 1, epochs: 1, sleep: 300, launcher: ["additional_parameters: {time: '0:10'}"]))
        let p = try project.start(["run", "--headless", path])
        let log = p.output
        XCTAssertEqual(p.finish(timeout: 150), 0, log.text)
        XCTAssertTrue(log.text.contains("Trial #0 FAIL: Slurm: TIMEOUT (the job ran past its time limit, timeout_min 5)"), log.text)
        XCTAssertEqual(try jobsInQueue(), [])
    }

    /// `max_num_timeout`: a trial whose job hits its time limit is submitted again and goes on in
    /// its directory (this job finishes quickly on its second run).
    func testATimedOutTrialIsSubmittedAgainUpToMaxNumTimeout() throws {
        let job = try project.writeScript("twice.sh", """
        #!/bin/sh
        if [ -e "$HYPERTOP_TRIAL_DIR/ran-once" ]; then
          echo '{"step": 1, "eval/success_rate": 0.7}' >> "$HYPERTOP_METRICS"; exit 0
        fi
        touch "$HYPERTOP_TRIAL_DIR/ran-once"; sleep 300
        """)
        var sweep = config(maxTrials: 1, nJobs: 1, epochs: 1, sleep: 0, launcher: ["max_num_timeout: 1", "additional_parameters: {time: '0:10'}"])
        sweep.command = [job]
        let path = try project.write("r-opti.yaml", sweep)
        let p = try project.start(["run", "--headless", path])
        let log = p.output
        XCTAssertEqual(p.finish(timeout: 150), 0, log.text)
        XCTAssertTrue(log.text.contains("hit its time limit; submitted again as job"), log.text)
        XCTAssertTrue(log.text.contains("Trials: 1 (1 COMPLETE)"), log.text)
        XCTAssertEqual(try jobsInQueue(), [])
    }

    /// Jobs that ended while no engine watched are scored from their files when the study resumes.
    func testJobsThatEndedWhileNoEngineWatchedAreScoredOnResume() throws {
        let path = try project.write("e-opti.yaml", config(maxTrials: 2, nJobs: 2, epochs: 2, sleep: 2))
        let first = try project.start(["run", "--headless", path])
        let log = first.output
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        kill(first.pid, SIGKILL)
        first.waitUntilExit()
        project.waitFor(files: (0..<2).map { "data/\(study!)/\($0)/slurm_exit" }, timeout: 30)
        let second = try project.start(["run", "--headless", "--resume", path])
        let log2 = second.output
        XCTAssertEqual(second.finish(timeout: 60), 0, log2.text)
        XCTAssertTrue(log2.text.contains("Adopted trial #0") && log2.text.contains("Adopted trial #1"), log2.text)
        XCTAssertTrue(log2.text.contains("Trials: 2 (2 COMPLETE)"), log2.text)
    }

    /// SIGKILL leaves no engine: the jobs go on in Slurm, and `run --resume` takes them over.
    func testAKilledEngineResumesAndAdoptsTheJobsStillRunning() throws {
        let path = try project.write("a-opti.yaml", config(maxTrials: 3, nJobs: 2, epochs: 2, sleep: 4))
        let first = try project.start(["run", "--headless", path])
        let log = first.output
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        kill(first.pid, SIGKILL)
        first.waitUntilExit()
        XCTAssertEqual(try jobsInQueue().count, 2, "the jobs outlive the engine")
        let second = try project.start(["run", "--headless", "--resume", path])
        let log2 = second.output
        XCTAssertEqual(second.finish(timeout: 120), 0, log2.text)
        XCTAssertTrue(log2.text.contains("Adopted trial #0"), log2.text)
        XCTAssertTrue(log2.text.contains("Adopted trial #1"), log2.text)
        XCTAssertTrue(log2.text.contains("Trials: 3 (3 COMPLETE)"), "the adopted trials finished and were scored: \(log2.text)")
        XCTAssertFalse(log2.text.contains("FAIL"), log2.text)
        let metrics = try String(contentsOfFile: project.path("data/\(study!)/0/metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 2)
        XCTAssertEqual(try waitForQueueToEmpty(), [])
    }
}
