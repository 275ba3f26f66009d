import Foundation
import TestSupport
@testable import SweepEngine
import XCTest

/// Issue 28: whose each TensorBoard event file and W&B run file is, even when several trials
/// write into one shared `runs/` at once. Real processes hold the files open.
final class RunFileFinderTests: XCTestCase {
    var root: String!
    var children: [Process] = []

    override func setUpWithError() throws {
        root = RunFileFinder.canonical(NSTemporaryDirectory()) + "/runfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/runs/shared", withIntermediateDirectories: true)
        for t in ["0", "1"] { try FileManager.default.createDirectory(atPath: root + "/data/" + t, withIntermediateDirectories: true) }
    }

    override func tearDownWithError() throws {
        for p in children where p.isRunning { p.terminate() }
        for p in children { p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: root)
    }

    func touch(_ relative: String) -> String {
        let path = root + "/" + relative
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3]))
        return path
    }

    /// A process of trial `runDir` (its environment says so, as a job's does) that holds `file` open.
    func holder(of file: String, trialDirectory runDir: String, engine: String = OrphanJobs.engineToken) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec 3>>\"$1\"; touch \"$1.ready\"; exec sleep 30", "sh", file]
        p.environment = ["HYPERTOP_TRIAL_DIR": runDir, "HYPERTOP_ENGINE": engine, "PATH": "/usr/bin:/bin"]
        try p.run()
        children.append(p)
        XCTAssertTrue(waitUntil(10) { FileManager.default.fileExists(atPath: file + ".ready") })
        return p
    }

    func jobs(_ start: Date, pids: [Int32?] = [nil, nil]) -> [RunFileFinder.Job] {
        [RunFileFinder.Job(number: 0, runDir: root + "/data/0", startedAt: start, pid: pids[0]),
         RunFileFinder.Job(number: 1, runDir: root + "/data/1", startedAt: start, pid: pids[1])]
    }

    func testTheWriterIsReadFromTensorBoardsFileNames() {
        let torch = RunFileFinder.writer(ofEventFile: "events.out.tfevents.1733600000.node-7.cluster.local.4242.0")
        XCTAssertEqual(torch?.created, 1_733_600_000)
        XCTAssertEqual(torch?.host, "node-7.cluster.local")
        XCTAssertEqual(torch?.pid, 4242)
        let tf2 = RunFileFinder.writer(ofEventFile: "events.out.tfevents.1733600001.box.17.3.v2")
        XCTAssertEqual(tf2?.host, "box")
        XCTAssertEqual(tf2?.pid, 17)
        // tensorboardX names no process.
        XCTAssertNil(RunFileFinder.writer(ofEventFile: "events.out.tfevents.1733600000.box"))
        XCTAssertEqual(RunFileTail.Kind(fileName: "events.out.tfevents.1733600000.box"), .tensorboard)
        XCTAssertEqual(RunFileTail.Kind(fileName: "run-3x9k2q.wandb"), .wandb)
        XCTAssertNil(RunFileTail.Kind(fileName: "run-3x9k2q.wandb.tmp"))
        XCTAssertNil(RunFileTail.Kind(fileName: "progress.csv"))
    }

    func testFilesInATrialsOwnDirectoryAreItsOwnAndFoundOnce() {
        let wandb = touch("data/1/wandb/offline-run-20261207_120000-abc/run-abc.wandb")
        let events = touch("data/0/tb/events.out.tfevents.1.elsewhere.1.0")
        _ = touch("data/0/stdout.log")
        let finder = RunFileFinder(jobDirectory: root, local: false)
        let found = finder.find(jobs(Date()), now: Date())
        XCTAssertEqual(Set(found.map { "\($0.trial) \($0.path)" }), ["0 \(events)", "1 \(wandb)"])
        XCTAssertEqual(finder.find(jobs(Date()), now: Date().addingTimeInterval(5)), [], "each file is said once")
        XCTAssertEqual(RunFileFinder.label(events, jobDirectory: root), "tfevents: data/0/tb/events.out.tfevents.1.elsewhere.1.0")
    }

    /// Two trials write into one `runs/shared` at once; the files' names say nothing (another host,
    /// no pid): which process holds each open tells.
    func testAFileATrialsProcessHoldsOpenIsThatTrialsInASharedDirectory() throws {
        let a = touch("runs/shared/events.out.tfevents.1733600000.otherhost.1.0")
        let b = touch("runs/shared/events.out.tfevents.1733600000.otherhost.1.1")
        let c = touch("runs/shared/events.out.tfevents.1733600000.otherhost.1.2")
        _ = try holder(of: a, trialDirectory: root + "/data/1")
        _ = try holder(of: b, trialDirectory: root + "/data/0")
        // Another engine's job in a trial directory of the same name is not this study's.
        _ = try holder(of: c, trialDirectory: root + "/data/0", engine: "1@elsewhere")
        let finder = RunFileFinder(jobDirectory: root, local: true)
        let found = finder.find(jobs(Date()), now: Date())
        XCTAssertEqual(Set(found.map { "\($0.trial) \($0.path)" }), ["1 \(a)", "0 \(b)"])
        // Without a look at the processes (a cluster's jobs), neither is known.
        XCTAssertEqual(RunFileFinder(jobDirectory: root, local: false).find(jobs(Date()), now: Date()), [])
    }

    /// A file written and closed between two looks: its name names the trial's process on this host.
    func testAClosedEventFileIsTheTrialsWhoseProcessItNames() throws {
        let start = Date()
        let host = RunFileFinder.hostName()
        let created = Int(start.timeIntervalSince1970) + 1
        let mine = touch("runs/CartPole-v1__ppo__1__\(created)/events.out.tfevents.\(created).\(host).4242.0")
        let unknownProcess = touch("runs/CartPole-v1__ppo__2__\(created)/events.out.tfevents.\(created).\(host).4343.0")
        let otherHost = touch("runs/shared/events.out.tfevents.\(created).not-\(host).4242.0")
        let beforeTheTrial = touch("runs/old/events.out.tfevents.\(created - 3600).\(host).4242.0")
        let finder = RunFileFinder(jobDirectory: root, local: true)
        let found = finder.find(jobs(start, pids: [nil, 4242]), now: start)
        XCTAssertEqual(found, [RunFileFinder.Found(trial: 1, path: mine)])
        for path in [unknownProcess, otherHost, beforeTheTrial] { XCTAssertNil(finder.owner[path], path) }
    }
}
