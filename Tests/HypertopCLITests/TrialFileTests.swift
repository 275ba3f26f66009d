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
