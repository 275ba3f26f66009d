import Foundation
import GRDB
import HyperOpt
import XCTest
@testable import SweepEngine

final class StoreOrphanTests: XCTestCase {
    func testStaleRunningTrialsBecomeFailedAndReplayAgrees() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.record([.launched(StoreFixtures.launch(0)), .launched(StoreFixtures.launch(1)), .launched(StoreFixtures.launch(2)),
                          .finished(StoreFixtures.outcome(2, .complete, score: 1))], studyID: id)
        try store.heartbeat(studyID: id, trials: [0], at: t0)
        try store.heartbeat(studyID: id, trials: [1], at: t0.addingTimeInterval(50))

        // Trial 0's heartbeat is 60 s old, trial 1's only 10 s: only trial 0 is an orphan.
        let failed = try store.failOrphans(studyID: id, staleAfter: 30, now: t0.addingTimeInterval(60))
        XCTAssertEqual(failed, [0])
        XCTAssertEqual(try store.failOrphans(studyID: id, staleAfter: 30, now: t0.addingTimeInterval(60)), [], "idempotent")

        let study = try StudyStore(path: path, readOnly: true).loadStudy(id: id)
        XCTAssertEqual(study.trial(0)?.state, .failed)
        XCTAssertEqual(study.trial(0)?.outcome?.reason?.contains("engine running this trial stopped"), true)
        XCTAssertEqual(study.trial(1)?.state, .running)
        XCTAssertEqual(study.paramSets[0].failed, 1)
        try DatabaseQueue(path: path).read { db in
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT state FROM trials ORDER BY number"), ["FAIL", "RUNNING", "COMPLETE"])
        }

        // The engine is known gone: every RUNNING trial is an orphan.
        XCTAssertEqual(try store.failOrphans(studyID: id, staleAfter: 0, now: t0.addingTimeInterval(61)), [1])
        XCTAssertEqual(try store.loadStudy(id: id).count(.running), 0)
    }

    func testEngineOwnerRecordsThisProcess() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        XCTAssertNil(try store.engineOwner(studyID: id))
        try store.claim(studyID: id)
        let owner = try XCTUnwrap(try store.engineOwner(studyID: id))
        XCTAssertEqual(owner.pid, getpid())
        XCTAssertEqual(owner.isAlive, true)

        // A process that has exited is not alive.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        try store.claim(studyID: id, owner: EngineOwner(pid: process.processIdentifier, host: owner.host, since: Date()))
        XCTAssertEqual(try store.engineOwner(studyID: id)?.isAlive, false)
        XCTAssertNil(EngineOwner(pid: 1, host: "another-machine", since: Date()).isAlive)
    }

    func testResumeRefusesALiveEngineAndTakesOverFromADeadOne() async throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record([.launched(StoreFixtures.launch(0)), .finished(StoreFixtures.outcome(0, .complete, score: 1)),
                          .launched(StoreFixtures.launch(1))], studyID: id)
        let host = ProcessInfo.processInfo.hostName

        let alive = Process()
        alive.executableURL = URL(fileURLWithPath: "/bin/sleep")
        alive.arguments = ["30"]
        try alive.run()
        defer { alive.terminate() }
        try store.claim(studyID: id, owner: EngineOwner(pid: alive.processIdentifier, host: host, since: Date()))
        do {
            _ = try await store.resume(studyID: id)
            XCTFail("resumed a study a live engine runs")
        } catch {
            XCTAssertEqual(error as? StoreError, .studyRunning(name: "reach", pid: alive.processIdentifier, host: host))
        }
        XCTAssertEqual(try store.loadStudy(id: id).count(.running), 1, "a live engine's trials are left alone")

        alive.terminate()
        alive.waitUntilExit()
        // The heartbeat is fresh, but the process is gone: its trial is an orphan all the same.
        try store.heartbeat(studyID: id, trials: [1])
        let resumed = try await store.resume(studyID: id)
        XCTAssertEqual(resumed.orphans, [1])
        XCTAssertEqual(resumed.previousOwner?.pid, alive.processIdentifier)
        XCTAssertEqual(resumed.study.count(.complete), 1)
        XCTAssertEqual(resumed.study.count(.failed), 1)
        XCTAssertEqual(try store.engineOwner(studyID: id)?.pid, getpid())
    }

    func testDefaultPathIsInTheWorkdirUnlessConfigured() {
        var spec = StoreFixtures.info(dir: URL(fileURLWithPath: "/tmp")).spec
        spec.workdir = "/data/runs"
        XCTAssertEqual(StudyStore.defaultPath(for: spec), "/data/runs/hypertop.db")
        spec.storage = "/elsewhere/s.db"
        XCTAssertEqual(StudyStore.defaultPath(for: spec), "/elsewhere/s.db")
    }

    func testStopFileIsStoredWithTheStudy() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let info = StoreFixtures.info(dir: dir)
        let id = try store.createStudy(info)
        XCTAssertEqual(try StudyStore(path: path, readOnly: true).stopFile(studyID: id), info.stopFile)
        try store.setTrialAttribute("hypertop:pgid", json: "4242", studyID: id, trial: 0)
        try store.record([.launched(StoreFixtures.launch(0))], studyID: id)
        try store.setTrialAttribute("hypertop:pgid", json: "4242", studyID: id, trial: 0)
        XCTAssertEqual(try store.trialAttribute("hypertop:pgid", studyID: id, trial: 0), "4242")
        XCTAssertThrowsError(try store.loadStudy(id: 99)) { XCTAssertEqual($0 as? StoreError, .unknownStudy(id: 99)) }
    }
}
