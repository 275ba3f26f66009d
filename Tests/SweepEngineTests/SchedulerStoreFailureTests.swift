import Foundation
import Synchronization
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

/// A sink that refuses every batch while `failing(now)` holds, as a locked or full store does,
/// and otherwise keeps what it was given, in order.
final class FlakySink: EventSink {
    private let recorded = Mutex<[EngineEvent]>([])
    private let journalSeen = Mutex<[Int]>([])
    let clock: ManualClock
    let failing: @Sendable (Date) -> Bool
    let journal: StoreJournal?

    init(clock: ManualClock, journal: StoreJournal?, failing: @escaping @Sendable (Date) -> Bool) {
        self.clock = clock
        self.journal = journal
        self.failing = failing
    }

    struct Refused: Error, CustomStringConvertible { var description: String { "the disk is full" } }

    func record(_ events: [EngineEvent]) throws {
        if failing(clock.now()) { throw Refused() }
        // The journal holds exactly what is being recorded again (nothing more, nothing less).
        // (An empty journal is the one reserved at the start, or again after a recovery.)
        if let journal, journal.exists, let count = try? journal.read().count, count > 0 { journalSeen.withLock { $0.append(count) } }
        recorded.withLock { $0 += events }
    }

    var events: [EngineEvent] { recorded.withLock { $0 } }
    var journalCountsAtRecovery: [Int] { journalSeen.withLock { $0 } }
}

final class SchedulerStoreFailureTests: XCTestCase {
    /// Runs the study and returns it with every event the stream carried.
    func run(_ scheduler: Scheduler) async -> (Study, [EngineEvent]) {
        let reader = Task {
            var all: [EngineEvent] = []
            for await e in scheduler.events { all.append(e) }
            return all
        }
        let study = await scheduler.run()
        return (study, await reader.value)
    }

    func messages(_ events: [EngineEvent]) -> [String] {
        events.compactMap { if case .message(let m, _) = $0 { return m } else { return nil } }
    }

    /// D5: while the store refuses writes the events are kept (memory and journal) and no trial
    /// starts; once it takes them again they are all recorded, in order, and the journal is gone.
    func testEventsAreKeptWhileTheStoreFailsAndRecordedInOrderWhenItRecovers() async throws {
        let f = try SweepFixture(maxTrials: 3, nJobs: 1)
        defer { f.remove() }
        let clock = ManualClock()
        let start = clock.now()
        let journal = StoreJournal(path: f.directory + "/store.db.unrecorded-1.jsonl")
        let sink = FlakySink(clock: clock, journal: journal) { now in
            (2.0..<8.0).contains(now.timeIntervalSince(start))
        }
        let (scheduler, _, _) = f.fakeScheduler(ScriptedParams(script: (0..<3).map { SweepFixture.params(x: Double($0) / 10) }),
                                                sink: sink, clock: clock) { _ in .reporting(0.5, count: 3) }
        let (study, streamed) = await run(scheduler)

        XCTAssertEqual(study.trials.map(\.state), [.complete, .complete, .complete])
        let failed = messages(streamed).filter { $0.hasPrefix("could not write the study store (the disk is full)") }
        XCTAssertEqual(failed.count, 1, "said once per episode: \(messages(streamed))")
        XCTAssertTrue(failed[0].contains("and in \(journal.path)"), failed[0])
        XCTAssertEqual(messages(streamed).filter { $0.hasPrefix("the study store can be written again: recorded the ") }.count, 1, "\(messages(streamed))")
        // Trial 0 ended at 3 s, inside the failure: trial 1 waited for the store.
        let secondStart = try XCTUnwrap(study.trial(1)?.launch.startedAt).timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(secondStart, 8, "no trial starts while the store cannot be written")
        XCTAssertLessThan(secondStart, 9.5, "retried about once a second")
        // Everything but the failure notices reached the sink, in the order it happened.
        let said = Set(failed + messages(streamed).filter { $0.hasPrefix("the study store can be written again") })
        let expected = streamed.filter { if case .message(let t, _) = $0 { return !said.contains(t) } else { return true } }
        XCTAssertEqual(sink.events.map(Self.describe), expected.map(Self.describe))
        XCTAssertEqual(sink.journalCountsAtRecovery.count, 1)
        XCTAssertGreaterThan(sink.journalCountsAtRecovery.first ?? 0, 0)
        XCTAssertFalse(journal.exists, "the journal is removed once the store has its events")
        let unrecorded = await scheduler.unrecordedEventCount
        XCTAssertEqual(unrecorded, 0)
    }

    /// With free slots, the launch whose record failed is the last one until the store recovers.
    func testNoFurtherSlotIsFilledOnceALaunchCouldNotBeRecorded() async throws {
        let f = try SweepFixture(maxTrials: 3, nJobs: 3)
        defer { f.remove() }
        let clock = ManualClock()
        let start = clock.now()
        let sink = FlakySink(clock: clock, journal: nil) { $0.timeIntervalSince(start) < 5 }
        let (scheduler, launcher, _) = f.fakeScheduler(ScriptedParams(script: (0..<3).map { SweepFixture.params(x: Double($0) / 10) }),
                                                       sink: sink, clock: clock) { _ in .reporting(0.5, count: 2) }
        let (study, _) = await run(scheduler)
        XCTAssertEqual(launcher.startedTrials, [0, 1, 2])
        let starts = try (0..<3).map { try XCTUnwrap(study.trial($0)?.launch.startedAt).timeIntervalSince(start) }
        XCTAssertEqual(starts[0], 0)
        XCTAssertGreaterThanOrEqual(starts[1], 5, "trial 1 waited for the store")
        XCTAssertEqual(starts[1], starts[2], "then both free slots filled at once")
        XCTAssertEqual(sink.events.filter { if case .launched = $0 { return true } else { return false } }.count, 3)
    }

    /// A store that never recovers: the study still ends (after a bounded wait), says what was not
    /// recorded and where it is; the journal holds those events, the last trial's end among them.
    func testAStoreThatNeverRecoversEndsTheStudyWithItsEventsInTheJournal() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        let clock = ManualClock()
        let start = clock.now()
        let journal = StoreJournal(path: f.directory + "/store.db.unrecorded-1.jsonl")
        let sink = FlakySink(clock: clock, journal: journal) { $0.timeIntervalSince(start) >= 1 }
        let (scheduler, _, _) = f.fakeScheduler(sink: sink, clock: clock) { _ in .reporting(0.5, count: 3) }
        let (_, streamed) = await run(scheduler)

        let unrecorded = await scheduler.unrecordedEventCount
        XCTAssertGreaterThan(unrecorded, 0)
        let kept = try journal.read()
        XCTAssertEqual(kept.count, unrecorded)
        XCTAssertTrue(kept.contains { if case .finished(let o) = $0 { return o.number == 0 } else { return false } })
        let ended = clock.now().timeIntervalSince(start)
        XCTAssertLessThan(ended, 3.5 + DurableSink.finalWait + 1.5, "the final attempts are bounded")
        let last = try XCTUnwrap(messages(streamed).last)
        XCTAssertTrue(last.hasPrefix("\(unrecorded) event(s) could not be recorded in the study store (the disk is full); they are in \(journal.path)"), last)
    }

    /// The journal reads back what was appended; a last line cut short is not an event.
    func testJournalRoundTripAndATornLastLine() throws {
        let path = NSTemporaryDirectory() + "journal-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = StoreJournal(path: path)
        let events: [EngineEvent] = [.message("one", at: Date(timeIntervalSince1970: 1)), .metrics(trial: 2, rows: [MetricRow(step: 3, values: ["a": .nan])])]
        try journal.append(events)
        try journal.append([.phase(.running, reason: nil)])
        XCTAssertEqual(try journal.read().map(Self.describe), (events + [.phase(.running, reason: nil)]).map(Self.describe))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"message":{"te"#.utf8))
        handle.closeFile()
        XCTAssertEqual(try journal.read().count, 3, "the torn line was never acknowledged")
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try journal.read()) { XCTAssertEqual("\($0)", "\(path): line 1 is not an event hypertop wrote") }
    }

    static func describe(_ e: EngineEvent) -> String {
        let encoder = EventCoding.encoder()
        encoder.outputFormatting.insert(.sortedKeys)
        return String(decoding: (try? encoder.encode(e)) ?? Data(), as: UTF8.self)
    }
}

/// Output is handed on at most once a second per trial (the last 200 lines), and all at its end.
final class OutputThrottleTests: XCTestCase {
    func testOutputIsHandedOnOnceASecondWithItsLastLinesAndAllAtTheEnd() throws {
        var throttle = OutputThrottle()
        let t0 = Date(timeIntervalSince1970: 1000)
        let first = try XCTUnwrap(throttle.add(stdout: ["a"], stderr: [], now: t0, final: false))
        XCTAssertEqual(first.stdout, ["a"])
        XCTAssertNil(throttle.add(stdout: ["b"], stderr: ["e1"], now: t0.addingTimeInterval(0.3), final: false))
        XCTAssertNil(throttle.add(stdout: (0..<300).map { "l\($0)" }, stderr: [], now: t0.addingTimeInterval(0.6), final: false))
        let second = try XCTUnwrap(throttle.add(stdout: ["c"], stderr: ["e2"], now: t0.addingTimeInterval(1.0), final: false))
        XCTAssertEqual(second.stdout, (101..<300).map { "l\($0)" } + ["c"], "the last 200 lines since the previous hand-on")
        XCTAssertEqual(second.stderr, ["e1", "e2"])
        XCTAssertNil(throttle.add(stdout: ["d"], stderr: [], now: t0.addingTimeInterval(1.2), final: false))
        XCTAssertEqual(throttle.add(stdout: [], stderr: [], now: t0.addingTimeInterval(1.3), final: true)?.stdout, ["d"], "the end hands on what is held")
        XCTAssertNil(throttle.add(stdout: [], stderr: [], now: t0.addingTimeInterval(5), final: true), "nothing held, nothing handed on")
    }
}

/// An ended trial's files are read a bounded number of times: past it, the end is reported with
/// a message instead of reading on (a process left behind may write for ever), and the trial,
/// whose metrics were not all read, gets no score from part of them (issue 27, M9).
final class DrainLimitTests: XCTestCase {
    func testAnEndedTrialsFilesAreReadABoundedNumberOfTimes() async throws {
        var f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        f.maxReadsAtEnd = 2
        // 12 MB of rows, all written as the job ends: three 4 MB reads would be needed.
        let line = "{\"step\": 1, \"eval/success_rate\": 0.5, \"pad\": \"" + String(repeating: "p", count: 1000) + "\"}"
        let (scheduler, _, _) = f.fakeScheduler { _ in FakeJob(duration: 1, metrics: (0..<12_000).map { _ in (2, line) }) }
        let reader = Task {
            var said: [String] = []
            for await e in scheduler.events { if case .message(let m, _) = e { said.append(m) } }
            return said
        }
        let study = await scheduler.run()
        let said = await reader.value
        XCTAssertEqual(study.trials.map(\.state), [.failed])
        XCTAssertTrue(study.trial(0)?.outcome?.reason?.hasPrefix("its metrics were not all read (") == true, "\(String(describing: study.trial(0)?.outcome))")
        XCTAssertTrue(study.trial(0)?.outcome?.reason?.hasSuffix(" of metrics.jsonl was left unread at the job's end); no score from part of them") == true,
                      "\(String(describing: study.trial(0)?.outcome))")
        // Nothing grows after the job's end: the file is too large for the end's reads, not "still being written".
        XCTAssertTrue(said.contains { $0.hasPrefix("Trial #0: its files hold more than the 2 reads of its end take; the rest (") && $0.hasSuffix(" of metrics.jsonl) is not read") },
                      "\(said)")
        let rows = try XCTUnwrap(study.trial(0)?.metrics.values("eval/success_rate").count)
        XCTAssertGreaterThan(rows, 3000, "two reads were taken")
        XCTAssertLessThan(rows, 12_000, "the third was not")
    }
}
