import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

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
        XCTAssertTrue(err.contains(" event(s) since are in \(journal) (no run replays them: the study they belong to went with the store)"), err)
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

    /// Issue 27 (M7), on a real full disk (a 16 MB tmpfs in a mount namespace of its own, so nothing
    /// outlives the test): the store is there, and the job fills the disk before it ends. The
    /// end's events go into the journal's space reserved at the start (it used to be a 0-byte file
    /// the end said kept them), the end says so truthfully, and once space is freed the resume
    /// records them: the finished trial stays COMPLETE and is not run again.
    func testOnAFullDiskTheEventsGoToTheReservedJournalAndTheResumeRecordsThem() throws {
        let small = project.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let job = try project.writeScript("fill-job.sh", """
            #!/bin/sh
            echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"
            dd if=/dev/zero of="$FILL_DIR/filler" bs=64k 2>/dev/null
            echo '{"step": 2, "eval/success_rate": 0.7}' >> "$HYPERTOP_METRICS"
            """)
        var file = sweep(trials: 1, sleep: 0)
        file.command = [job]
        file.studyName = "full"
        try project.write("full-opti.yaml", file)
        let store = small + "/s.db"
        // Everything that needs the small disk runs inside its namespace; what it says lands in the project.
        let script = try project.writeScript("full-disk.sh", """
            #!/bin/sh
            cd '\(project.root)'
            mount -t tmpfs -o size=16m tmpfs '\(small)' || exit 99
            export FILL_DIR='\(small)'
            '\(SweepProject.binary)' run --headless --storage '\(store)' full-opti.yaml > run1.out 2> run1.err; echo $? > run1.rc
            wc -c < '\(store).unrecorded-1.jsonl' > journal.size
            rm -f '\(small)/filler'
            '\(SweepProject.binary)' run --headless --resume --storage '\(store)' full-opti.yaml > run2.out 2> run2.err; echo $? > run2.rc
            """)
        let r = try runProgram("/usr/bin/unshare", (getuid() == 0 ? ["-m"] : ["-r", "-m"]) + [script], in: URL(fileURLWithPath: project.root))
        if r.status == 99 || !FileManager.default.fileExists(atPath: project.path("run1.rc")) {
            throw missingTool("a tmpfs mount in a mount namespace of its own (unshare -m as root, or user namespaces): \(r.stderr)")
        }
        func read(_ name: String) -> String { (try? String(contentsOfFile: project.path(name), encoding: .utf8)) ?? "" }
        let (out1, err1) = (read("run1.out"), read("run1.err"))
        XCTAssertEqual(read("run1.rc"), "1\n", out1 + err1)
        XCTAssertTrue(out1.contains("could not write the study store (no space left on the device): keeping "), out1)
        let journal = store + ".unrecorded-1.jsonl"
        XCTAssertTrue(err1.contains(" event(s) could not be recorded in the study store (no space left on the device); they are in \(journal), "
                                    + "which the next `hypertop run` of this study records"), err1)
        XCTAssertGreaterThan(Int(read("journal.size").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 0, "the journal holds what it is said to hold")

        let (out2, err2) = (read("run2.out"), read("run2.err"))
        XCTAssertEqual(read("run2.rc"), "0\n", out2 + err2)
        XCTAssertTrue(out2.range(of: #"Recorded \d+ event\(s\) an earlier run could not write, from "#, options: .regularExpression) != nil, out2)
        XCTAssertTrue(out2.contains("Trials: 1 (1 COMPLETE)"), out2)
        XCTAssertFalse(out2.contains("FAIL"), out2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/full/1")), "the finished trial was not run again")
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
