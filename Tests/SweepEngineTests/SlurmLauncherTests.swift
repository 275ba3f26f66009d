import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// The Slurm launcher against stand-in `sbatch`/`squeue`/`scancel` scripts: what it does while
/// slurmctld is slow to answer. (SlurmTests runs it against a real one-node cluster.)
final class SlurmLauncherTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "slurm-stand-in-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/trial", withIntermediateDirectories: true)
        // sbatch takes every job as job 4242; squeue says it is asked, then answers only once the
        // test opens its gate (or after 30 s); scancel writes down what it was asked.
        try tool("sbatch", "echo 4242")
        try tool("squeue", """
            touch \(dir)/squeue-asked
            i=0; while [ ! -e \(dir)/gate ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
            echo '4242|PENDING|Priority|'
            """)
        try tool("scancel", "echo \"$@\" >> \(dir)/scancel-args")
    }

    override func tearDown() {
        FileManager.default.createFile(atPath: dir + "/gate", contents: nil)
        try? FileManager.default.removeItem(atPath: dir)
    }

    func tool(_ name: String, _ body: String) throws {
        let path = "\(dir)/bin/\(name)"
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    func testASlowQueueDelaysNeitherTheJobsOwnMarkersNorAKill() async throws {
        var options = SlurmOptions()
        options.pollSeconds = 0
        let launcher = SlurmLauncher(options: options, studyName: "s", jobDirectory: dir, tools: SlurmTools(directory: dir + "/bin"))
        let trial = dir + "/trial"
        let job = try await launcher.start(JobRequest(argv: ["true"], environment: ["HYPERTOP_TRIAL_DIR": trial, "HYPERTOP_TRIAL_NUMBER": "0"],
                                                      workingDirectory: dir, stdoutPath: trial + "/stdout.log", stderrPath: trial + "/stderr.log"))
        XCTAssertEqual(job.id, 4242)

        // The first poll starts asking the queue, and returns without waiting for its answer.
        let first = await launcher.poll([job])
        XCTAssertEqual(first[job], JobStatus.queued(reason: nil))
        try await waitFor(dir + "/squeue-asked")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/gate"), "squeue is still waiting for its answer")

        // Meanwhile the job's marker says it runs: the next poll says so at once.
        try "node1 4242 0\n".write(toFile: trial + "/" + SlurmText.startedFile, atomically: true, encoding: .utf8)
        let second = await launcher.poll([job])
        XCTAssertEqual(second[job], JobStatus.running)
        // Asked as the scheduler asks, through the protocol (a default there must not answer instead).
        let generic: any Launcher = launcher
        let node = await generic.node(of: job)
        XCTAssertEqual(node, "node1")

        // A kill goes out while the query still waits.
        await launcher.signal(job, SIGTERM)
        XCTAssertEqual(try String(contentsOfFile: dir + "/scancel-args", encoding: .utf8), "4242\n")

        // The late answer (PENDING) does not undo what the marker said, nor does it end the job.
        FileManager.default.createFile(atPath: dir + "/gate", contents: nil)
        try "0\n".write(toFile: trial + "/" + SlurmText.exitFile, atomically: true, encoding: .utf8)
        let third = await launcher.poll([job])
        XCTAssertEqual(third[job], JobStatus.exited(0))
        let calls = await launcher.calls
        XCTAssertEqual(calls.sbatch, 1)
        XCTAssertGreaterThanOrEqual(calls.squeue, 1)
    }

    func waitFor(_ path: String) async throws {
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(path) never appeared")
    }
}
