import Foundation
import Synchronization
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

/// The durable sink alone, without a scheduler: a store that fails for a while, then recovers.
final class DurableSinkTests: XCTestCase {
    func message(_ n: Int) -> EngineEvent { .message("event \(n)", at: Date(timeIntervalSince1970: Double(n))) }

    func testKeepsInOrderWhileTheStoreFailsRetriesOnceASecondAndRecordsAllOnRecovery() async throws {
        let clock = ManualClock()
        let t0 = clock.now()
        let dir = NSTemporaryDirectory() + "durable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = StoreJournal(path: dir + "/store.db.unrecorded-1.jsonl")
        // Fails for the first 2.5 seconds.
        let sink = FlakySink(clock: clock, journal: journal) { $0.timeIntervalSince(t0) < 2.5 }
        var durable = DurableSink(sink)

        var said = durable.record([message(1)], now: clock.now())
        XCTAssertTrue(durable.isHolding)
        XCTAssertEqual(said.count, 1)
        XCTAssertTrue(said[0].hasPrefix("could not write the study store (the disk is full): keeping 1 event(s) in memory and in \(journal.path)"), said[0])
        XCTAssertEqual(try journal.read().count, 1)
        XCTAssertNil(durable.heartbeat(running: [0], at: clock.now()), "no heartbeat while the store is behind")

        // Half a second later: kept behind the first, no new attempt (the last one is too recent).
        await clock.sleep(for: .seconds(0.5))
        said = durable.record([message(2)], now: clock.now())
        XCTAssertEqual(said, [])
        XCTAssertEqual(durable.kept.count, 2)
        XCTAssertEqual(try journal.read().count, 2)

        // A second after the first attempt: tried again, still failing, and the same failure is not said twice.
        await clock.sleep(for: .seconds(0.6))
        XCTAssertEqual(durable.retry(now: clock.now(), force: false).said, [])
        XCTAssertTrue(durable.isHolding)

        // Recovered: all kept events are recorded in order, the journal goes, and it is said once.
        await clock.sleep(for: .seconds(1.5))
        said = durable.record([message(3)], now: clock.now())
        XCTAssertEqual(said, ["the study store can be written again: recorded the 3 event(s) kept meanwhile"])
        XCTAssertFalse(durable.isHolding)
        XCTAssertEqual(try journal.read().count, 0, "the journal's events are gone; it waits, empty, its space reserved again, for the next failure")
        durable.releaseJournal()
        XCTAssertFalse(journal.exists)
        XCTAssertEqual(sink.events.map { "\($0)" }, [message(1), message(2), message(3)].map { "\($0)" })
        XCTAssertEqual(sink.journalCountsAtRecovery, [3])
        XCTAssertNil(durable.lossReport)
    }

    func testAStoreThatNeverRecoversReportsWhereTheEventsAre() {
        let clock = ManualClock()
        let memoryOnly = FlakySink(clock: clock, journal: nil) { _ in true }
        var durable = DurableSink(memoryOnly)
        _ = durable.record([message(1), message(2)], now: clock.now())
        XCTAssertFalse(durable.retry(now: clock.now(), force: true).recorded)
        XCTAssertEqual(durable.lossReport, "2 event(s) could not be recorded in the study store (the disk is full); they are lost (they were kept in memory only)")

        // A journal that cannot be written either: said once, and the loss report says so.
        let broken = FlakySink(clock: clock, journal: StoreJournal(path: "/nonexistent-dir/j.jsonl")) { _ in true }
        durable = DurableSink(broken)
        let said = durable.record([message(1)], now: clock.now())
        XCTAssertEqual(said.count, 2)
        XCTAssertTrue(said[0].hasPrefix("could not write the store's journal"), said[0])
        XCTAssertTrue(said[1].hasSuffix("(in memory only: the journal could not be written either); retrying every second, and no new trial starts until the store takes them"), said[1])
        XCTAssertEqual(durable.record([message(2)], now: clock.now()), [], "the journal is not tried again in this episode")
        XCTAssertEqual(durable.lossReport, "2 event(s) could not be recorded in the study store (the disk is full); they are lost "
                       + "(the journal could not be written: No such file or directory)", "nothing reached the journal: none is said to be in it")
    }

    func launched(_ n: Int) -> EngineEvent { .launched(StoreFixtures.launch(n)) }
    func finished(_ n: Int) -> EngineEvent { .finished(StoreFixtures.outcome(n, .complete, score: 0.5)) }

    /// Issue 27 (M7): the loss report says what is true: which events the journal holds (whole ones:
    /// a failed append leaves none of its own), which are lost, and the trials those concern.
    func testTheLossReportSaysWhatTheJournalHoldsAndWhichTrialsLostTheirEnd() throws {
        let dir = NSTemporaryDirectory() + "durable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = StoreJournal(path: dir + "/store.db.unrecorded-1.jsonl")
        var durable = DurableSink(FlakySink(clock: ManualClock(), journal: journal) { _ in true })
        _ = durable.record([launched(0), message(1)], now: Date())
        XCTAssertEqual(try journal.read().count, 2)
        // The journal cannot be written from now on (here: a directory where its file was).
        try FileManager.default.removeItem(atPath: journal.path)
        try FileManager.default.createDirectory(atPath: journal.path, withIntermediateDirectories: false)
        let said = durable.record([finished(0), launched(1), finished(1)], now: Date())
        XCTAssertTrue(said.first?.hasPrefix("could not write the store's journal") == true, "\(said)")
        XCTAssertEqual(durable.journaled, 2)
        XCTAssertEqual(durable.lossReport, "5 event(s) could not be recorded in the study store (the disk is full); the first 2 of them are in \(journal.path), "
                       + "which the next `hypertop run` of this study records; the other 3 are lost (the journal could not be written: Is a directory), "
                       + "and with them what became of trials #0, #1")
    }

    /// Issue 27 (M7): the journal's disk is reserved when the study starts (its size stays 0, its
    /// blocks are taken), appends go into it, and an unused journal goes at the end.
    func testTheJournalsSpaceIsReservedUpFrontAndReleasedWhenUnused() throws {
        let dir = NSTemporaryDirectory() + "durable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = StoreJournal(path: dir + "/store.db.unrecorded-1.jsonl")
        let durable = DurableSink(FlakySink(clock: ManualClock(), journal: journal) { _ in false }, journalReserve: 1 << 20)
        XCTAssertEqual(durable.reserveJournal(), [])
        var st = stat()
        XCTAssertEqual(stat(journal.path, &st), 0)
        XCTAssertEqual(st.st_size, 0, "an empty journal: a replay finds no event in it")
        XCTAssertGreaterThanOrEqual(Int(st.st_blocks) * 512, 1 << 20, "its disk is taken now")
        XCTAssertEqual(try journal.read().count, 0)
        try journal.append([message(1)])
        XCTAssertEqual(try journal.read().count, 1)
        try journal.remove()
        XCTAssertEqual(durable.reserveJournal(), [])
        durable.releaseJournal()
        XCTAssertFalse(journal.exists, "an unused journal goes at the end, its space with it")
    }
}
