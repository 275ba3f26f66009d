import Foundation
import TestSupport
import XCTest

/// What becomes of a study when its store or its sweep directory goes while it runs, with the real
/// binary and real jobs: said plainly, with a failing exit status, and nothing silently lost.
final class StoreLossTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("storeloss") }

    override func tearDownWithError() throws { project?.remove() }

    /// The test job, `trials` trials one at a time, each `sleep` seconds an epoch for 2 epochs.
    func sweep(trials: Int, sleep: Double) -> SweepFile {
        SweepFile(studyName: "loss", maxTrials: trials, nJobs: 1, seed: 4, passConfig: "none",
                  searchSpace: ["++x: {type: float, low: 0.1, high: 0.9}", "++sleep: {type: categorical, choices: [\(sleep)]}",
                                "++epochs: {type: categorical, choices: [2]}"])
    }

    /// Issue 27 (L11): the store deleted while the study runs: the engine notices at its next write,
    /// launches nothing more, says the study's record went with the file and where the events since
    /// are, and exits 1 (it used to end with exit 0 and "Results written", the study lost).
    func testAStoreDeletedWhileTheStudyRunsStopsItAndExitsOne() throws {
        try project.write("loss-opti.yaml", sweep(trials: 4, sleep: 0.5))
        let engine = try project.start(["run", "--headless", "loss-opti.yaml"])
        XCTAssertTrue(project.waitFor(files: ["data/loss/0/pid"]), engine.stdout.text)
        let store = URL(fileURLWithPath: project.path("data/hypertop.db")).standardizedFileURL.path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
        engine.waitUntilExit()
        let (out, err) = (engine.stdout.text, engine.stderr.text)
        XCTAssertEqual(engine.status, 1, out + err)
        let gone = "the study store \(store) was deleted while the study ran, and the study's record with it"
        XCTAssertTrue(out.contains("Stopping: \(gone)"), out)
        XCTAssertTrue(err.contains("hypertop: the study stopped: \(gone)\n"), err)
        let journal = store + ".unrecorded-1.jsonl"
        XCTAssertTrue(err.contains("; the "), err)
        XCTAssertTrue(err.contains(" event(s) since are kept in \(journal) (no run replays them: the study they belong to went with the store)"), err)
        XCTAssertGreaterThan((try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0, 0, "the events since are in the journal")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store), "nothing recreated the store behind the user's back")
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/loss/2")), "nothing launched once the store was gone")

        // The next run makes a new store: the old journal is not this study's, and is moved aside, not replayed.
        let next = try project.run(["run", "--headless", "loss-opti.yaml", "hydra.sweeper.max_trials=1"])
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertTrue(next.stdout.contains("Moved \(journal) to \(journal)-stale-"), next.stdout)
        XCTAssertFalse(next.stdout.contains("Recorded "), next.stdout)
        XCTAssertTrue(next.stdout.contains("Trials: 1 (1 COMPLETE)"), next.stdout)
    }

    /// Issue 27 (L11): a job that deletes the sweep directory: the results are still written (the
    /// directory is made again, and that is said), instead of exit 2 "file doesn't exist".
    func testAJobThatDeletesTheSweepDirectoryStillGetsTheResultsWritten() throws {
        let job = try project.writeScript("rm-job.sh", """
            #!/bin/sh
            echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"
            rm -rf "$(dirname "$HYPERTOP_TRIAL_DIR")"
            """)
        var file = sweep(trials: 1, sleep: 0)
        file.command = [job]
        try project.write("rm-opti.yaml", file)
        let r = try project.run(["run", "--headless", "rm-opti.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let sweepDir = URL(fileURLWithPath: project.path("data/loss")).standardizedFileURL.path
        XCTAssertTrue(r.stdout.contains("The sweep directory \(sweepDir) was deleted while the study ran (its trials' files with it); made it again for the results"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Results written to \(sweepDir)/optimization_results.yaml"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sweepDir + "/optimization_results.yaml"))
    }
}
