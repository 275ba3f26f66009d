import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

/// The batch script and what Slurm's commands print, without a cluster.
final class SlurmTextTests: XCTestCase {
    /// Every argv word comes back from bash exactly, whatever it holds.
    func testQuotedWordsComeBackFromBashUnchanged() throws {
        let words = ["plain", "with space", "it's", "$HOME", "`date`", "$(rm -rf /)", "a\"b", "back\\slash", "new\nline", "tab\tx",
                     "*", "~", "", "ünïcødé", "x=1", "++algorithm.policy_kwargs.net_arch=[8, 8]", "'", "''", "!event", "#hash"]
        let script = words.map(SlurmText.quote).map { "printf '%s\\0' \($0)" }.joined(separator: "\n")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let back = data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(back, words)
    }

    func testTheBatchScriptRunsTheArgvAndWritesItsMarkers() throws {
        let dir = NSTemporaryDirectory() + "slurm-script-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = SlurmText.batchScript(argv: ["/bin/sh", "-c", "echo \"$X|$1\"; exit 3", "sh", "it's $HOME"], environment: [("X", "a b'c")],
                                           setup: ["export SETUP_RAN=yes"], runDir: dir, workingDirectory: "/", title: "t")
        let path = dir + "/job.sbatch"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(text, "a b'c|it's $HOME\n")
        XCTAssertEqual(p.terminationStatus, 3)
        XCTAssertEqual(try String(contentsOfFile: dir + "/" + SlurmText.exitFile, encoding: .utf8), "3\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + SlurmText.startedFile))
        XCTAssertTrue(script.contains("export SETUP_RAN=yes\n"), "setup lines come first, as written")
    }

    func testSbatchParsableOutput() {
        XCTAssertEqual(SlurmText.jobID(fromSbatch: "123\n"), 123)
        XCTAssertEqual(SlurmText.jobID(fromSbatch: "4567;cluster\n"), 4567)
        XCTAssertNil(SlurmText.jobID(fromSbatch: "sbatch: error: invalid partition\n"))
    }

    func testQueueLines() {
        let q = SlurmText.queue("12|PENDING|Priority|\n13|RUNNING|None|node07\n14|TIMEOUT|TimeLimit|node07\n15_2|PENDING|None|\n")
        XCTAssertEqual(q[12], .init(id: 12, state: "PENDING", reason: "Priority", node: nil))
        XCTAssertEqual(q[13], .init(id: 13, state: "RUNNING", reason: nil, node: "node07"))
        XCTAssertEqual(q[14]?.state, "TIMEOUT")
        XCTAssertEqual(q.count, 3, "an array job's element is not one of hypertop's jobs")
    }

    func testAccountingLines() {
        let a = SlurmText.accounting("20|COMPLETED|0:0\n21|FAILED|3:0\n22|CANCELLED by 0|0:15\n23|OUT_OF_MEMORY|0:125\n")
        XCTAssertEqual(a[20], .init(id: 20, state: "COMPLETED", exitCode: 0, signal: nil))
        XCTAssertEqual(a[21], .init(id: 21, state: "FAILED", exitCode: 3, signal: nil))
        XCTAssertEqual(a[22], .init(id: 22, state: "CANCELLED", exitCode: 0, signal: 15))
        XCTAssertEqual(a[23]?.state, "OUT_OF_MEMORY")
    }

    func testAJobsEndIsItsExitUnlessSlurmEndedIt() {
        XCTAssertEqual(SlurmLauncher.status(marker: 0, slurmEnd: nil), .exited(0))
        XCTAssertEqual(SlurmLauncher.status(marker: 3, slurmEnd: "FAILED"), .exited(3))
        XCTAssertEqual(SlurmLauncher.status(marker: 137, slurmEnd: "FAILED"), .signaled(9))
        XCTAssertEqual(SlurmLauncher.status(marker: 137, slurmEnd: "OUT_OF_MEMORY"), .ended(SlurmText.end("OUT_OF_MEMORY", exit: 137, options: nil)))
    }
}
