import Foundation
import TestSupport
import XCTest

/// What a job does to its own trial files, with the real binary and real jobs: hypertop reads
/// and writes only its own trial's files, and a score rests only on metrics it read whole.
final class TrialFileTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("trialfiles") }

    override func tearDownWithError() throws { project?.remove() }

    /// One trial of `job` (a script written to the project), its criterion eval/success_rate, the wiki rule.
    func runOneTrial(of job: String, name: String = "tf") throws -> SweepProject.Output {
        let script = try project.writeScript("job.sh", job)
        try project.write("tf-opti.yaml", SweepFile(studyName: name, maxTrials: 1, nJobs: 1, seed: 1, command: [script], passConfig: "none",
                                                    searchSpace: ["++x: {type: float, low: 0, high: 1}"]))
        return try project.run(["run", "--headless", "tf-opti.yaml"], timeout: 120)
    }

    /// L7: a job that replaces its trial directory with a link to another directory: hypertop
    /// writes nothing through the link (no outcome.json there), reads nothing of it as the
    /// trial's, and the trial fails saying why.
    func testAJobThatSwapsItsDirectoryForALinkGetsNothingWrittenThroughIt() throws {
        let elsewhere = project.path("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try "{\"step\": 1, \"eval/success_rate\": 0.9}\n".write(toFile: elsewhere + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let r = try runOneTrial(of: """
            #!/bin/sh
            d="$HYPERTOP_TRIAL_DIR"
            echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"
            mv "$d" "$d-real" && ln -s '\(elsewhere)' "$d"
            sleep 0.5
            exit 0
            """)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), ["metrics.jsonl"],
                       "hypertop wrote into the link's target:\n\(r.stdout)")
        let runDir = URL(fileURLWithPath: project.path("data/tf/0")).standardizedFileURL.path
        XCTAssertTrue(r.stdout.contains("Trial #0 FAIL: stopped: \(runDir) was replaced by a symbolic link (to \(elsewhere)); hypertop reads and writes nothing through it"),
                      r.stdout)
        XCTAssertFalse(r.stdout.contains("COMPLETE: score"), "the link's metrics are not the trial's: \(r.stdout)")
    }
}

/// Issue 27 (M9): metrics passed over unread, with real jobs.
extension TrialFileTests {
    /// The job prints 0.5, floods stdout with 60 kB lines (more than hypertop follows), then
    /// prints 0.6: the trial fails saying its metrics were not all read, instead of a score from
    /// part of them (1.2 from the 0.6 alone under the wiki rule, where both give 0.55).
    func testMetricsSkippedInAStdoutFloodFailTheTrialSayingSo() throws {
        let r = try runOneTrial(of: """
            #!/bin/sh
            echo "eval/success_rate=0.5"
            line=$(printf '%060000d' 0)
            yes "$line" | head -n 2200
            echo "eval/success_rate=0.6"
            """)
        XCTAssertTrue(r.stdout.contains("Trial #0: stdout.log grows faster than it can be followed; skipped "), r.stdout)
        XCTAssertTrue(r.stdout.contains("Trial #0 FAIL: its metrics were not all read ("), r.stdout)
        XCTAssertTrue(r.stdout.contains(" of stdout.log was skipped, printed faster than it could be followed; metrics written to $HYPERTOP_METRICS are read whole); no score from part of them"),
                      r.stdout)
        XCTAssertFalse(r.stdout.contains("COMPLETE"), r.stdout)
        let outcome = try String(contentsOfFile: project.path("data/tf/0/outcome.json"), encoding: .utf8)
        XCTAssertTrue(outcome.contains("\"state\": \"FAIL\"") && outcome.contains("\"score\": null"), outcome)
    }

    /// The job makes its metrics file a 50 GB sparse file, then appends its last row: the end's
    /// reads cannot reach it, the trial fails saying so, and the log says the file is too large
    /// (not that it is "still being written": nothing writes it).
    func testASparseMetricsFileTooLargeToReadAtTheEndFailsTheTrialAndSaysWhy() throws {
        let r = try runOneTrial(of: """
            #!/bin/sh
            echo '{"step": 1, "eval/success_rate": 0.2}' >> "$HYPERTOP_METRICS"
            truncate -s 50G "$HYPERTOP_METRICS"
            echo '{"step": 2, "eval/success_rate": 0.6}' >> "$HYPERTOP_METRICS"
            """)
        XCTAssertTrue(r.stdout.contains("Trial #0: its files hold more than the 256 reads of its end take; the rest ("), r.stdout)
        XCTAssertTrue(r.stdout.contains(" of metrics.jsonl) is not read"), r.stdout)
        XCTAssertFalse(r.stdout.contains("still being written"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Trial #0 FAIL: its metrics were not all read ("), r.stdout)
        XCTAssertTrue(r.stdout.contains(" of metrics.jsonl was left unread at the job's end); no score from part of them"), r.stdout)
        // Issue 27 (L8): the trial's end, decided after its files were read, is stamped then: the log is in order.
        assertStampsInOrder(r.stdout)
    }

    /// The log's lines' times never go back (each event is stamped when it happened).
    func assertStampsInOrder(_ log: String, file: StaticString = #filePath, line: UInt = #line) {
        let stamps = log.split(separator: "\n").compactMap { l -> String? in
            guard l.hasPrefix("["), let close = l.firstIndex(of: "]") else { return nil }
            return String(l[l.index(after: l.startIndex)..<close])
        }
        XCTAssertGreaterThan(stamps.count, 3, log, file: file, line: line)
        XCTAssertEqual(stamps, stamps.sorted(), "the log's times go back:\n\(log)", file: file, line: line)
    }
}
