import Foundation
import HyperOpt
import XCTest
@testable import SweepEngine

final class StoreConcurrencyTests: XCTestCase {
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

        let reading = Task.detached { () throws -> (study: Study, polls: Int) in
            let reader = try StudyStore(path: path, readOnly: true)
            var follower = StudyFollower(store: reader, studyID: id)
            var study = Study()
            var polls = 0
            while true {
                switch try follower.poll() {
                case .none: break
                case .study(let s): study = s
                case .events(let events): for e in events { study.apply(e) }
                }
                polls += 1
                if study.count(.complete) == trials { return (study, polls) }
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
        let (study, polls) = try await reading.value
        XCTAssertEqual(study.trials, StoreFixtures.study(info, all).trials)
        XCTAssertGreaterThan(polls, 2, "the reader ran alongside the writer")
    }

    /// Another process (Python's sqlite3, polling as fast as it can) reads the file while we write:
    /// our commits are never refused or held up, and the reader sees every trial.
    func testReaderInAnotherProcessNeverBlocksTheWriter() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no /usr/bin/python3") }
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        let trials = 300
        let script = """
            import sqlite3, sys, time
            db = sqlite3.connect("file:\(path)?mode=ro", uri=True, timeout=0)
            polls, best, end = 0, 0, time.time() + 60
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

        let writer = StoreWriter(store: store, studyID: id, flushInterval: .milliseconds(5))
        var slowest = 0.0
        for n in 0..<trials {
            let start = Date()
            try await writer.append([.launched(StoreFixtures.launch(n)), .metrics(trial: n, rows: StoreFixtures.rows(20, base: 0))])
            try await writer.append(.finished(StoreFixtures.outcome(n, .complete, score: 1)))
            if n % 10 == 0 { try await writer.flush() }
            slowest = max(slowest, Date().timeIntervalSince(start))
        }
        try await writer.flush()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        XCTAssertEqual(reader.terminationStatus, 0)
        let numbers = text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(numbers.last, trials, "the reader saw every trial: \(text)")
        XCTAssertGreaterThan(numbers.first ?? 0, 10, "the reader polled during the writes")
        XCTAssertLessThan(slowest, 1.0, "no commit waited on the reader")
    }

    func testWriterBatchesAndFlushCommits() async throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let info = StoreFixtures.info(dir: dir)
        let id = try store.createStudy(info)
        let writer = StoreWriter(store: store, studyID: id, flushInterval: .seconds(60), maxPending: 1_000)
        let reader = try StudyStore(path: path, readOnly: true)

        try await writer.append(.launched(StoreFixtures.launch(0)))
        XCTAssertEqual(try reader.loadStudy(id: id).trials.count, 0, "buffered, not yet committed")
        try await writer.flush()
        XCTAssertEqual(try reader.loadStudy(id: id).trials.count, 1, "flush returns after the commit")

        // Reaching maxPending commits without waiting for the timer.
        let rows = (0..<1_000).map { EngineEvent.metrics(trial: 0, rows: [MetricRow(step: $0, values: ["eval/success_rate": 0.5])]) }
        try await writer.append(rows)
        XCTAssertEqual(try reader.loadStudy(id: id).trial(0)?.metrics.count, 1_000)
    }

    func testWriterCommitsOnItsOwnAfterTheInterval() async throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        let writer = StoreWriter(store: store, studyID: id, flushInterval: .milliseconds(20))
        try await writer.append(.launched(StoreFixtures.launch(0)))
        let deadline = Date().addingTimeInterval(5)
        while try store.loadStudy(id: id).trials.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertEqual(try store.loadStudy(id: id).trials.count, 1)
    }
}
