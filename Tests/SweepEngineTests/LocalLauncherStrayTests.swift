import Foundation
import XCTest
@testable import SweepEngine
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// D9: processes a job starts outside its process group (`setsid`, a double fork with setsid,
/// Popen's `start_new_session=True`) are ended with the trial, found by HYPERTOP_TRIAL_DIR.
final class LocalLauncherStrayTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "strays-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for pid in strays() { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Starts a job that leaves three processes outside its group, then (with `wait`) blocks.
    func startJob(thenWait wait: Bool) async throws -> JobHandle {
        let script = """
            setsid sleep 61 & echo $! > "$HYPERTOP_TRIAL_DIR/a"
            python3 -c '
            import os, sys, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    open(sys.argv[1], "w").write(str(os.getpid())); time.sleep(61)
                os._exit(0)
            os.wait()
            ' "$HYPERTOP_TRIAL_DIR/b"
            python3 -c 'import subprocess, sys; p = subprocess.Popen(["sleep", "61"], start_new_session=True); open(sys.argv[1], "w").write(str(p.pid))' "$HYPERTOP_TRIAL_DIR/c"
            while [ ! -s "$HYPERTOP_TRIAL_DIR/b" ]; do sleep 0.05; done
            touch "$HYPERTOP_TRIAL_DIR/ready"
            \(wait ? "sleep 61" : "")
            """
        var env = ProcessInfo.processInfo.environment
        env["HYPERTOP_TRIAL_DIR"] = dir
        let job = try await LocalLauncher().start(JobRequest(argv: ["/bin/sh", "-c", script], environment: env, workingDirectory: dir,
                                                       stdoutPath: dir + "/stdout.log", stderrPath: dir + "/stderr.log"))
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: dir + "/ready") && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(strays().count, 3, "the job did not leave its three processes: \((try? String(contentsOfFile: dir + "/stderr.log", encoding: .utf8)) ?? "")")
        for pid in strays() { XCTAssertNotEqual(getpgid(pid), job.id, "process \(pid) left the job's group") }
        return job
    }

    func strays() -> [Int32] {
        ["a", "b", "c"].compactMap { (try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
            .filter(processIsLive)
    }

    func waitForNoStrays() {
        let deadline = Date().addingTimeInterval(5)
        while !strays().isEmpty && Date() < deadline { usleep(20_000) }
    }

    func testProcessesThatLeftTheGroupEndWhenTheJobEnds() async throws {
        let job = try await startJob(thenWait: false)
        let launcher = LocalLauncher()
        let deadline = Date().addingTimeInterval(20)
        while launcher.poll(job) == .running && Date() < deadline { usleep(20_000) }
        waitForNoStrays()
        XCTAssertEqual(strays(), [], "still alive after the job's end")
    }

    func testSignallingTheJobReachesProcessesThatLeftTheGroup() async throws {
        let job = try await startJob(thenWait: true)
        let launcher = LocalLauncher()
        await launcher.signal(job, SIGTERM)
        waitForNoStrays()
        XCTAssertEqual(strays(), [], "SIGTERM did not reach them")
        let deadline = Date().addingTimeInterval(10)
        while launcher.poll(job) == .running && Date() < deadline { usleep(20_000) }
    }

    /// Issue 27, H1: a process another engine started, in a trial directory of the same name, is
    /// never reached by this engine's cleanup; its own stray is.
    func testAnotherEnginesProcessInTheSameTrialDirectoryIsSpared() async throws {
        let foreign = Process()
        foreign.executableURL = URL(fileURLWithPath: "/bin/sleep")
        foreign.arguments = ["61"]
        foreign.environment = ["HYPERTOP_TRIAL_DIR": dir, "HYPERTOP_ENGINE": "1@another-machine"]
        try foreign.run()
        defer { foreign.terminate() }
        var env = ProcessInfo.processInfo.environment
        env["HYPERTOP_TRIAL_DIR"] = dir
        env["HYPERTOP_ENGINE"] = OrphanJobs.engineToken
        let launcher = LocalLauncher()
        let job = try await launcher.start(JobRequest(argv: ["/bin/sh", "-c", "setsid sleep 61 & echo $! > \"$HYPERTOP_TRIAL_DIR/a\"; sleep 0.3"],
                                                      environment: env, workingDirectory: dir,
                                                      stdoutPath: dir + "/stdout.log", stderrPath: dir + "/stderr.log"))
        let deadline = Date().addingTimeInterval(20)
        while launcher.poll(job) == .running && Date() < deadline { usleep(20_000) }
        let own = try XCTUnwrap(Int32((try String(contentsOfFile: dir + "/a", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = Date().addingTimeInterval(5)
        while processIsLive(own) && Date() < gone { usleep(20_000) }
        XCTAssertFalse(processIsLive(own), "this engine's stray ends with its job")
        XCTAssertTrue(foreign.isRunning, "another engine's process was reached")
    }
}

/// D20: `n_jobs` beyond what the user may still start is capped, with the reason.
final class ProcessLimitTests: XCTestCase {
    func testNJobsIsCappedByTheProcessLimitWithAWarning() {
        XCTAssertEqual(ProcessLimits.cap(nJobs: 64, limit: nil, inUse: 500).nJobs, 64, "no limit, no cap")
        XCTAssertNil(ProcessLimits.cap(nJobs: 64, limit: 4096, inUse: 500).warning)
        let capped = ProcessLimits.cap(nJobs: 1000, limit: 300, inUse: 84)
        XCTAssertEqual(capped.nJobs, 200)
        XCTAssertEqual(capped.warning, "n_jobs 1000 is more than this user may start now (process limit 300, 84 running): running 200 at a time; raise it with `ulimit -u`")
        XCTAssertEqual(ProcessLimits.cap(nJobs: 8, limit: 50, inUse: 60).nJobs, 1, "always at least one")
        XCTAssertGreaterThan(ProcessLimits.userTasks(), 0, "this test's own process counts")
    }
}
