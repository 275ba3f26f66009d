import Foundation
import XCTest
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 27, H2: a resume ends the jobs a dead engine left before it marks their trials FAIL, and
/// says a job ended only once it has. A resume interrupted meanwhile leaves the trials RUNNING, so
/// that the next one still finds and ends the jobs (they used to stay alive under init for good).
final class ResumeCleanupTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("resume-cleanup") }
    override func tearDown() {
        if let pid = jobPID() { kill(pid, SIGKILL) }
        project?.remove()
    }

    func jobPID() -> Int32? {
        (try? String(contentsOfFile: project.path("data/rc/0/job.pid"), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Trial 0's state in the store, read by Python's sqlite3.
    func trialState() throws -> String {
        try runProgram("/usr/bin/env", ["python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT state FROM trials WHERE number = 0').fetchone()[0])",
                                        project.path("data/hypertop.db")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testAnInterruptedResumeLeavesTheTrialsForTheNextOneWhichEndsTheirJobs() throws {
        // The job ignores SIGTERM while the file `slow` exists in the project; else it reports and ends.
        let job = try project.writeScript("job.sh", """
            #!/bin/sh
            echo $$ > "$HYPERTOP_TRIAL_DIR/job.pid"
            if [ -e slow ]; then trap '' TERM; sleep 60; fi
            echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"
            """)
        _ = try project.write("t.yaml", SweepFile(studyName: "rc", maxTrials: 1, nJobs: 1, sweeperKeys: ["kill_grace_seconds: 1"], command: [job],
                                              searchSpace: ["++x: {type: float, low: 0.1, high: 0.9}"]))
        _ = try project.write("slow", "")

        // An engine dies (kill -9) while its job runs.
        let first = try project.start(["run", "--headless", "t.yaml"])
        XCTAssertTrue(project.waitFor(files: ["data/rc/0/job.pid"]), first.output.text)
        kill(first.pid, SIGKILL)
        first.waitUntilExit()
        let pid = try XCTUnwrap(jobPID())
        XCTAssertTrue(processIsLive(pid), "the job outlives its engine")

        // A resume, with a long grace, is ended by SIGTERM while it waits for the job to go.
        let interrupted = try project.start(["run", "--headless", "--resume", "t.yaml", "hydra.sweeper.kill_grace_seconds=60"])
        XCTAssertTrue(interrupted.stdout.waitFor("Ending the job (process group ", timeout: 30), interrupted.output.text)
        XCTAssertTrue(interrupted.stdout.text.contains("which the earlier engine left running: SIGTERM now, SIGKILL after 60 s if it is still there"),
                      interrupted.stdout.text)
        kill(interrupted.pid, SIGTERM)
        interrupted.waitUntilExit()
        XCTAssertFalse(interrupted.stdout.text.contains("Job (process group"), "said the job ended while it runs:\n\(interrupted.stdout.text)")
        XCTAssertTrue(processIsLive(pid), "the job ignores SIGTERM and was not killed yet")
        XCTAssertEqual(try trialState(), "RUNNING", "the trial stays RUNNING, so that the next resume still finds its job")

        // The next resume ends the job (SIGKILL after the 1 s grace), then fails the trial and runs its set again.
        try FileManager.default.removeItem(atPath: project.path("slow"))
        let next = try project.run(["run", "--headless", "--resume", "t.yaml"], timeout: 60)
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertTrue(next.stdout.contains("of trial #0: ended by SIGKILL after the grace"), next.stdout)
        XCTAssertFalse(processIsLive(pid), "the job the dead engine left is gone")
        XCTAssertEqual(try trialState(), "FAIL")
        XCTAssertTrue(next.stdout.contains("Trials: 2 (1 COMPLETE, 1 FAIL)"), next.stdout)
        let ending = try XCTUnwrap(next.stdout.range(of: "Ending the job (process group "))
        let ended = try XCTUnwrap(next.stdout.range(of: "ended by SIGKILL after the grace"))
        XCTAssertLessThan(ending.lowerBound, ended.lowerBound)
    }
}
