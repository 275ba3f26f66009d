import Foundation
import GRDB
import HyperOpt

/// The scheduler's sink made durable. When the store cannot be written (a full disk, a write lock
/// another process holds), a tick's events are kept in order, in memory and in the sink's journal,
/// and recorded again about once a second; the scheduler launches nothing while any are kept. A
/// study that ends with events still kept says where they are.
///
/// A value the scheduler owns: it returns what to say instead of saying it, so it can be tested
/// with a sink that fails on purpose and no scheduler at all.
public struct DurableSink {
    public static let retryInterval: TimeInterval = 1
    /// How long the end of a study goes on trying to record what it kept.
    public static let finalWait: TimeInterval = 10

    public let sink: any EventSink
    /// Events the sink did not take yet, in order.
    public private(set) var kept: [EngineEvent] = []
    /// The store's failure in words, while events are kept.
    public private(set) var failure: String?
    /// Why the store can never take them (its file was deleted or replaced while the study ran),
    /// once that is known: no more attempts are made.
    public private(set) var storeGone: String?
    private var lastAttempt = Date.distantPast
    /// Once the journal failed it is not written again in this episode: what it holds stays a
    /// gapless beginning of the kept events, which a replay can record as it is.
    private var journalFailed: String?
    /// How many of the kept events (the first ones) the journal holds.
    public private(set) var journaled = 0
    /// The disk reserved for the journal (see `StoreJournal.reserve`).
    let journalReserve: Int64

    public init(_ sink: any EventSink, journalReserve: Int64 = StoreJournal.reservedBytes) {
        self.sink = sink
        self.journalReserve = journalReserve
    }

    /// Makes the journal, empty, with its disk reserved, before the store has failed: kept
    /// events then reach it on a full disk. What to say when it could not be.
    public func reserveJournal() -> [String] {
        guard let journal = sink.journal else { return [] }
        do {
            try journal.reserve(bytes: journalReserve)
            return []
        } catch {
            return ["could not reserve space for the store's journal (\(error)): should the store fail on a full disk, "
                    + "the events it cannot take may be lost"]
        }
    }

    /// At the end, all recorded: the empty journal and its reserved space go.
    public func releaseJournal() {
        if kept.isEmpty { sink.journal?.removeIfEmpty() }
    }

    /// Whether the store is behind: no trial may start, no heartbeat is written.
    public var isHolding: Bool { !kept.isEmpty }

    /// Records a tick's events, or keeps them behind those already kept. Returns the sentences to
    /// show (not themselves recorded: the store is what failed).
    public mutating func record(_ batch: [EngineEvent], now: Date) -> [String] {
        if kept.isEmpty {
            guard !batch.isEmpty else { return [] }
            do {
                try sink.record(batch)
                return []
            } catch {
                return keep(batch, failure: error, now: now)
            }
        }
        // Behind events still waiting: they go in after them.
        var said = keep(batch, failure: nil, now: now)
        said += retry(now: now, force: false).said
        return said
    }

    /// Records the kept events when the last attempt is `retryInterval` old (or at once with `force`).
    public mutating func retry(now: Date, force: Bool) -> (recorded: Bool, said: [String]) {
        guard !kept.isEmpty else { return (true, []) }
        guard storeGone == nil else { return (false, []) }
        guard force || now.timeIntervalSince(lastAttempt) >= Self.retryInterval else { return (false, []) }
        lastAttempt = now
        do {
            try sink.record(kept)
        } catch {
            let text = StoreFailure.describe(error)
            if case StoreError.fileGone = error { storeGone = text }
            defer { failure = text }
            return (false, text != failure ? ["still cannot write the study store: \(text)"] : [])
        }
        let count = kept.count
        kept.removeAll()
        journaled = 0
        failure = nil
        var tail = ""
        var said: [String] = []
        if let journal = sink.journal {
            do {
                try journal.remove()
                said = reserveJournal()
            } catch { tail = "; remove \(journal.path) by hand before the next run (\(error))" }
        }
        journalFailed = nil
        return (true, ["the study store can be written again: recorded the \(count) event(s) kept meanwhile\(tail)"] + said)
    }

    /// The running trials' heartbeat; skipped while events are kept (it would fail too, and the
    /// events wait in order). A sentence when it could not be written.
    public func heartbeat(running: [Int], at now: Date) -> String? {
        guard kept.isEmpty else { return nil }
        do {
            try sink.heartbeat(running: running, at: now)
            return nil
        } catch {
            return "could not record the running trials' heartbeat: \(StoreFailure.describe(error))"
        }
    }

    /// What became of the events still kept when the study ended, as it is: those the journal
    /// holds (a replay records them), and those lost, with the trials they concern; nil when all
    /// were recorded.
    public var lossReport: String? {
        guard !kept.isEmpty else { return nil }
        let lost = kept.count - journaled
        let trials = Set(kept.dropFirst(journaled).compactMap(Self.trial)).sorted()
        let concern = trials.isEmpty ? "" : ", and with them what became of trial\(trials.count == 1 ? "" : "s") " + trials.map { "#\($0)" }.joined(separator: ", ")
        let why = journalFailed.map { " (the journal could not be written: \($0))" } ?? (sink.journal == nil ? " (they were kept in memory only)" : "")
        let subject: String, they: String, replay: String
        if let storeGone {
            (subject, they) = (storeGone, "the \(kept.count) event(s) since")
            replay = " (no run replays them: the study they belong to went with the store)"
        } else {
            (subject, they) = ("\(kept.count) event(s) could not be recorded in the study store (\(failure ?? ""))", "they")
            replay = ", which the next `hypertop run` of this study records"
        }
        guard let journal = sink.journal, journaled > 0 else { return "\(subject); \(they) are lost\(why)\(concern)" }
        if lost == 0 { return "\(subject); \(they) are in \(journal.path)\(replay)" }
        return "\(subject); the first \(journaled) of \(they == "they" ? "them" : they) are in \(journal.path)\(replay); "
            + "the other \(lost) are lost\(why)\(concern)"
    }

    /// The trial an event is about, when it is about one.
    static func trial(_ event: EngineEvent) -> Int? { EventCoding.trialNumber(event) }

    /// Keeps events the sink did not take. `failure` starts an episode (said once).
    private mutating func keep(_ events: [EngineEvent], failure error: Error?, now: Date) -> [String] {
        kept += events
        var said: [String] = []
        var journalText = ""
        if let journal = sink.journal, journalFailed == nil {
            do {
                try journal.append(events)
                journaled += events.count
                journalText = " and in \(journal.path)"
            } catch {
                journalText = " (in memory only: the journal could not be written either)"
                said.append("could not write the store's journal \(error); the events not recorded from now on are in memory only")
                journalFailed = (error as? JournalError)?.detail ?? "\(error)"
            }
        }
        guard let error else { return said }
        lastAttempt = now
        failure = StoreFailure.describe(error)
        if case StoreError.fileGone = error {
            storeGone = failure
            said.append("\(failure ?? ""): keeping the events from now on in memory\(journalText); no new trial starts")
            return said
        }
        said.append("could not write the study store (\(failure ?? "")): keeping \(kept.count) event(s) in memory\(journalText); "
                    + "retrying every second, and no new trial starts until the store takes them")
        return said
    }
}

/// A store failure as a sentence: SQLite's own words, never a domain and a code.
enum StoreFailure {
    /// Another process holds the store's lock: waiting may cure it.
    static func isLock(_ error: Error) -> Bool {
        guard let db = error as? DatabaseError else { return false }
        return db.resultCode == .SQLITE_BUSY || db.resultCode == .SQLITE_LOCKED
    }

    static func describe(_ error: Error) -> String {
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return "another process holds its write lock"
            case .SQLITE_FULL: return "no space left on the device"
            case .SQLITE_READONLY: return "it is read-only"
            case .SQLITE_IOERR: return "an I/O error (\(db.message ?? "disk"))"
            default: return db.message ?? "SQLite error \(db.resultCode.rawValue)"
            }
        }
        return FileErrorText.describe(error)
    }
}
