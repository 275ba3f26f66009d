import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Sweeps on a real Slurm (`scripts/slurm-up.sh` starts a one-node cluster; CI runs it), through
/// the real `hypertop` binary: every trial is an sbatch job.
final class SlurmTests: XCTestCase {
    static let job = CLITests.job
    var dir: String!
    var study: String!

    override func setUpWithError() throws {
        let sinfo = try? runProgram("/usr/bin/env", ["sinfo", "-h", "-o", "%T"])
        guard let sinfo, sinfo.status == 0, !sinfo.stdout.isEmpty else {
            throw missingTool("no Slurm answers here (`sinfo` failed: \(sinfo?.stderr ?? "not found")); start one with scripts/slurm-up.sh")
        }
        dir = NSTemporaryDirectory() + "slurm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        study = "sl" + UUID().uuidString.prefix(8).lowercased()
    }

    override func tearDownWithError() throws {
        // Whatever a failed test left in the queue goes (nothing when setUp skipped before naming the study).
        if study != nil { _ = try? runProgram("/usr/bin/env", ["scancel", "--name", jobNames.joined(separator: ",")]) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    var jobNames: [String] { (0..<20).map { "hypertop-\(study!)-\($0)" } }

    func config(maxTrials: Int, nJobs: Int, epochs: Int, sleep: Double, launcher: String = "") -> String {
        """
        hydra:
          sweeper:
            study_name: \(study!)
            max_trials: \(maxTrials)
            n_jobs: \(nJobs)
            direction: maximize
            sampler: random
            seed: 5
            command: [\(Self.job)]
            pass_config: none
            launcher:
              type: slurm
              timeout_min: 5
              poll_seconds: 1
        \(launcher)
            search_space:
              ++x: {type: float, low: 0.1, high: 0.9}
              ++sleep: {type: categorical, choices: [\(sleep)]}
              ++epochs: {type: categorical, choices: [\(epochs)]}
        """
    }

    func start(_ args: [String]) throws -> (Process, OutputCollector) {
        let p = Process()
        p.executableURL = CLITests.productsDirectory.appendingPathComponent("hypertop")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let log = OutputCollector(out)
        try p.run()
        return (p, log)
    }

    func finish(_ p: Process, timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.interrupt(); usleep(500_000); p.terminate() }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// The study's jobs Slurm still lists (pending, running, completing).
    func jobsInQueue() throws -> [String] {
        let r = try runProgram("/usr/bin/env", ["squeue", "-h", "-o", "%i %j %T"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map(String.init).filter { $0.contains("hypertop-\(study!)-") }
    }

    /// A job's state in Slurm's job completion file (`sacct -c`) or, while it lingers, squeue.
    func slurmState(ofTrial n: Int) throws -> String {
        let id = try String(contentsOfFile: "\(dir!)/data/\(study!)/\(n)/slurm_job_id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
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
        let path = dir + "/s-opti.yaml"
        try config(maxTrials: 4, nJobs: 2, epochs: 2, sleep: 0.5).write(toFile: path, atomically: true, encoding: .utf8)
        let (p, log) = try start(["run", "--headless", path])
        XCTAssertEqual(finish(p, timeout: 120), 0, log.text)
        XCTAssertTrue(log.text.contains("Trials: 4 (4 COMPLETE)"), log.text)
        XCTAssertTrue(log.text.contains("Trial #0 QUEUED"), log.text)
        XCTAssertTrue(log.text.range(of: #"Trial #0 RUNNING on \S+ after [0-9.]+s in the queue"#, options: .regularExpression) != nil, log.text)
        for n in 0..<4 {
            let trial = "\(dir!)/data/\(study!)/\(n)"
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
        let path = dir + "/k-opti.yaml"
        try config(maxTrials: 4, nJobs: 2, epochs: 1, sleep: 120).write(toFile: path, atomically: true, encoding: .utf8)
        let (p, log) = try start(["run", "--headless", path])
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        p.interrupt()
        XCTAssertTrue(log.waitFor("Stopping: interrupted"), log.text)
        p.interrupt()
        XCTAssertEqual(finish(p, timeout: 60), 0, log.text)
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
        let path = dir + "/kill-opti.yaml"
        try config(maxTrials: 3, nJobs: 2, epochs: 1, sleep: 120).write(toFile: path, atomically: true, encoding: .utf8)
        let (p, log) = try start(["run", "--headless", path])
        XCTAssertTrue(log.waitFor("Trial #0 RUNNING", timeout: 30), log.text)
        let requests = "\(dir!)/data/\(study!)/.hypertop-requests"
        XCTAssertTrue(FileManager.default.fileExists(atPath: requests) || (try? FileManager.default.createDirectory(atPath: requests, withIntermediateDirectories: true)) != nil)
        // A request as any writer would leave it: a numbered JSON command (see RequestFiles).
        try #"{"kill": {"trial": 0, "reason": "killed by the test"}}"#.write(toFile: requests + "/000000000001.json", atomically: true, encoding: .utf8)
        XCTAssertTrue(log.waitFor("Trial #0 FAIL: killed by the test", timeout: 30), log.text)
        XCTAssertEqual(try slurmState(ofTrial: 0), "CANCELLED")
        XCTAssertTrue(log.waitFor("Trial #2 RUNNING", timeout: 30), "the slot is refilled: \(log.text)")
        try #"{"killAll": {}}"#.write(toFile: requests + "/000000000002.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(finish(p, timeout: 60), 0, log.text)
        XCTAssertEqual(try slurmState(ofTrial: 1), "CANCELLED")
        XCTAssertEqual(try jobsInQueue(), [])
    }

    func testDeletingTheStopFileStopsLaunching() throws {
        let path = dir + "/stop-opti.yaml"
        try config(maxTrials: 6, nJobs: 2, epochs: 2, sleep: 2).write(toFile: path, atomically: true, encoding: .utf8)
        let (p, log) = try start(["run", "--headless", path])
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        try FileManager.default.removeItem(atPath: dir + "/delete_me_to_stop_hyperopt")
        XCTAssertEqual(finish(p, timeout: 90), 0, log.text)
        XCTAssertTrue(log.text.contains("Trials: 2 (2 COMPLETE)"), log.text)
        XCTAssertEqual(try jobsInQueue(), [])
    }

    func testAJobPastItsTimeLimitFailsWithTimeout() throws {
        let path = dir + "/t-opti.yaml"
        // Slurm counts `--time` in minutes, or `M:S`: a later --time overrides timeout_min.
        let text = config(maxTrials: 1, nJobs: 1, epochs: 1, sleep: 300, launcher: "      additional_parameters: {time: '0:10'}")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (p, log) = try start(["run", "--headless", path])
        XCTAssertEqual(finish(p, timeout: 150), 0, log.text)
        XCTAssertTrue(log.text.contains("Trial #0 FAIL: Slurm: TIMEOUT (the job ran past its time limit, timeout_min 5)"), log.text)
        XCTAssertEqual(try jobsInQueue(), [])
    }

    /// `max_num_timeout`: a trial whose job hits its time limit is submitted again and goes on in
    /// its directory (this job finishes quickly on its second run).
    func testATimedOutTrialIsSubmittedAgainUpToMaxNumTimeout() throws {
        let job = dir + "/twice.sh"
        try """
        #!/bin/sh
        if [ -e "$HYPERTOP_TRIAL_DIR/ran-once" ]; then
          echo '{"step": 1, "eval/success_rate": 0.7}' >> "$HYPERTOP_METRICS"; exit 0
        fi
        touch "$HYPERTOP_TRIAL_DIR/ran-once"; sleep 300
        """.write(toFile: job, atomically: true, encoding: .utf8)
        chmod(job, 0o755)
        let path = dir + "/r-opti.yaml"
        let text = config(maxTrials: 1, nJobs: 1, epochs: 1, sleep: 0, launcher: "      max_num_timeout: 1\n      additional_parameters: {time: '0:10'}")
            .replacingOccurrences(of: "command: [\(Self.job)]", with: "command: [\(job)]")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (p, log) = try start(["run", "--headless", path])
        XCTAssertEqual(finish(p, timeout: 150), 0, log.text)
        XCTAssertTrue(log.text.contains("hit its time limit; submitted again as job"), log.text)
        XCTAssertTrue(log.text.contains("Trials: 1 (1 COMPLETE)"), log.text)
        XCTAssertEqual(try jobsInQueue(), [])
    }

    /// Jobs that ended while no engine watched are scored from their files when the study resumes.
    func testJobsThatEndedWhileNoEngineWatchedAreScoredOnResume() throws {
        let path = dir + "/e-opti.yaml"
        try config(maxTrials: 2, nJobs: 2, epochs: 2, sleep: 2).write(toFile: path, atomically: true, encoding: .utf8)
        let (first, log) = try start(["run", "--headless", path])
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let exits = (0..<2).map { "\(dir!)/data/\(study!)/\($0)/slurm_exit" }
        let deadline = Date().addingTimeInterval(30)
        while exits.contains(where: { !FileManager.default.fileExists(atPath: $0) }) && Date() < deadline { usleep(200_000) }
        let (second, log2) = try start(["run", "--headless", "--resume", path])
        XCTAssertEqual(finish(second, timeout: 60), 0, log2.text)
        XCTAssertTrue(log2.text.contains("Adopted trial #0") && log2.text.contains("Adopted trial #1"), log2.text)
        XCTAssertTrue(log2.text.contains("Trials: 2 (2 COMPLETE)"), log2.text)
    }

    /// SIGKILL leaves no engine: the jobs go on in Slurm, and `run --resume` takes them over.
    func testAKilledEngineResumesAndAdoptsTheJobsStillRunning() throws {
        let path = dir + "/a-opti.yaml"
        try config(maxTrials: 3, nJobs: 2, epochs: 2, sleep: 4).write(toFile: path, atomically: true, encoding: .utf8)
        let (first, log) = try start(["run", "--headless", path])
        XCTAssertTrue(log.waitFor("Trial #1 RUNNING", timeout: 30), log.text)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        XCTAssertEqual(try jobsInQueue().count, 2, "the jobs outlive the engine")
        let (second, log2) = try start(["run", "--headless", "--resume", path])
        XCTAssertEqual(finish(second, timeout: 120), 0, log2.text)
        XCTAssertTrue(log2.text.contains("Adopted trial #0"), log2.text)
        XCTAssertTrue(log2.text.contains("Adopted trial #1"), log2.text)
        XCTAssertTrue(log2.text.contains("Trials: 3 (3 COMPLETE)"), "the adopted trials finished and were scored: \(log2.text)")
        XCTAssertFalse(log2.text.contains("FAIL"), log2.text)
        let metrics = try String(contentsOfFile: "\(dir!)/data/\(study!)/0/metrics.jsonl", encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 2)
        XCTAssertEqual(try waitForQueueToEmpty(), [])
    }
}
