import Foundation
import HyperOpt
import XCTest
import TestSupport
@testable import SweepEngine

final class StoreConcurrencyTests: XCTestCase {
    /// A follower on its own connections (as in another process) sees what was committed at each
    /// of its polls, no more and no less, at a forced interleaving: write, poll, write, poll.
    func testFollowerSeesEachCommitAtItsNextPoll() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(dir: dir)
        let writer = try StudyStore(path: path)
        let id = try writer.createStudy(info)
        let reader = try StudyStore(path: path, readOnly: true)
        var follower = StudyFollower(store: reader, studyID: id)
        var study = Study()
        func poll() throws {
            switch try follower.poll() {
            case .none: break
            case .study(let s): study = s
            case .events(let events): for e in events { study.apply(e) }
            }
        }
        var all: [EngineEvent] = []
        for round in 1...3 {
            for n in (round - 1) * 5..<round * 5 {
                let batch: [EngineEvent] = [.launched(StoreFixtures.launch(n)), .metrics(trial: n, rows: StoreFixtures.rows(3, base: 0)),
                                            .finished(StoreFixtures.outcome(n, .complete, score: Double(n)))]
                try writer.record(batch, studyID: id)
                all += batch
            }
            // One more trial launched but not finished: the follower sees it running.
            try writer.record([.launched(StoreFixtures.launch(100 + round))], studyID: id)
            all.append(.launched(StoreFixtures.launch(100 + round)))
            try poll()
            XCTAssertEqual(study.count(.complete), round * 5, "round \(round)")
            XCTAssertEqual(study.trials, StoreFixtures.study(info, all).trials, "round \(round)")
        }
        try poll()
        XCTAssertEqual(study.trials, StoreFixtures.study(info, all).trials, "a poll with nothing new changes nothing")
    }

    /// A reader polling the file (another StudyStore: its own connections, as in another process)
    /// while a writer commits thousands of events: neither sees "database is locked", and the
    /// follower ends with every trial.
    func testFollowerReadsWhileWriterWrites() async throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(dir: dir)
        let writer = try StudyStore(path: path)
        let id = try writer.createStudy(info)
        let trials = 200

        let reading = Task.detached { () throws -> Study in
            let reader = try StudyStore(path: path, readOnly: true)
            var follower = StudyFollower(store: reader, studyID: id)
            var study = Study()
            while true {
                switch try follower.poll() {
                case .none: break
                case .study(let s): study = s
                case .events(let events): for e in events { study.apply(e) }
                }
                if study.count(.complete) == trials { return study }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        var all: [EngineEvent] = []
        for n in 0..<trials {
            let batch: [EngineEvent] = [.launched(StoreFixtures.launch(n)), .metrics(trial: n, rows: StoreFixtures.rows(10, base: 0)),
                                        .output(trial: n, stream: .stdout, lines: ["step"]),
                                        .finished(StoreFixtures.outcome(n, .complete, score: Double(n)))]
            try writer.record(batch, studyID: id)
            all += batch
        }
        let study = try await reading.value
        XCTAssertEqual(study.trials, StoreFixtures.study(info, all).trials)
    }

    /// Another process (Python's sqlite3, polling as fast as it can) reads the file while we write:
    /// our commits are never refused or held up, and the reader sees every trial. The writes start
    /// once the reader says it polls, and it polls until it has seen the last one: they overlap
    /// by construction, not by the scheduler's luck.
    func testReaderInAnotherProcessNeverBlocksTheWriter() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw missingTool("no /usr/bin/python3") }
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        let trials = 300
        let script = """
            import sqlite3, sys, time
            db = sqlite3.connect("file:\(path)?mode=ro", uri=True, timeout=0)
            polls, best, end = 0, 0, time.time() + 60
            db.execute("SELECT count(*) FROM trials").fetchone()
            print("ready", flush=True)
            while time.time() < end:
                n = db.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
                db.execute("SELECT count(*) FROM hypertop_metrics").fetchone()
                polls += 1
                best = max(best, n)
                if n == \(trials):
                    break
            print(polls, best)
            """
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        reader.arguments = ["-c", script]
        let out = Pipe()
        reader.standardOutput = out
        try reader.run()
        // Waits for "ready" (the reader's first query went through) before the first write.
        var ready = Data()
        while !String(decoding: ready, as: UTF8.self).contains("ready\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            ready += chunk
        }
        XCTAssertTrue(String(decoding: ready, as: UTF8.self).hasPrefix("ready"), "the reader did not start")

        // As the engine records: each tick's events in one commit through its sink.
        let sink = StoreSink(store: store, studyID: id)
        // A commit the reader held up past SQLite's busy timeout would throw here.
        for n in 0..<trials {
            try sink.record([.launched(StoreFixtures.launch(n)), .metrics(trial: n, rows: StoreFixtures.rows(20, base: 0))])
            try sink.record([.finished(StoreFixtures.outcome(n, .complete, score: 1))])
        }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        XCTAssertEqual(reader.terminationStatus, 0)
        let numbers = (String(decoding: ready, as: UTF8.self) + text).split(separator: "\n").last?.split(separator: " ")
            .compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? []
        XCTAssertEqual(numbers.last, trials, "the reader saw every trial: \(text)")
    }
}
