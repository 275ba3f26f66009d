import Foundation
import GRDB
import HyperOpt

/// When the store cannot be written (a full disk, a write lock another process holds): events are
/// kept in order, in memory and in the sink's journal, and recorded again about once a second; no
/// trial is launched meanwhile; a study that ends with events still unrecorded says where they are.
extension Scheduler {
    static let recordRetryInterval: TimeInterval = 1
    /// How long the end of a study goes on trying to record what it kept.
    static let finalRecordWait: TimeInterval = 10

    /// Keeps events the sink did not take. `failure` starts an episode (said once, on screen).
    func keep(_ events: [EngineEvent], failure: Error?) {
        unrecorded += events
        var journalText = ""
        // Once the journal failed it is not written again in this episode: what it holds stays a
        // gapless beginning of the kept events, which a replay can record as it is.
        if let journal = sink?.journal, !journalFailed {
            do {
                try journal.append(events)
                journalText = " and in \(journal.path)"
            } catch {
                journalText = " (in memory only: the journal could not be written either)"
                say("could not write the store's journal \(error); the events not recorded from now on are in memory only")
                journalFailed = true
            }
        }
        guard let failure else { return }
        lastRecordAttempt = clock.now()
        storeFailure = StoreFailure.describe(failure)
        say("could not write the study store (\(storeFailure ?? "")): keeping \(unrecorded.count) event(s) in memory\(journalText); "
            + "retrying every second, and no new trial starts until the store takes them")
    }

    /// Records the kept events when the last attempt is a second old (or at once with `force`).
    @discardableResult
    func retryRecording(force: Bool) -> Bool {
        guard let sink, !unrecorded.isEmpty else { return true }
        let now = clock.now()
        guard force || now.timeIntervalSince(lastRecordAttempt) >= Self.recordRetryInterval else { return false }
        lastRecordAttempt = now
        do {
            try sink.record(unrecorded)
        } catch {
            let text = StoreFailure.describe(error)
            if text != storeFailure { say("still cannot write the study store: \(text)") }
            storeFailure = text
            return false
        }
        let count = unrecorded.count
        unrecorded.removeAll()
        storeFailure = nil
        var tail = ""
        if let journal = sink.journal {
            do { try journal.remove() } catch { tail = "; remove \(journal.path) by hand before the next run (\(error))" }
        }
        journalFailed = false
        say("the study store can be written again: recorded the \(count) event(s) kept meanwhile\(tail)")
        return true
    }

    /// At the end: more attempts, a second apart, for `finalRecordWait`; what is still kept is then reported.
    func recordWhatWasKept() async {
        let deadline = clock.now().addingTimeInterval(Self.finalRecordWait)
        while !unrecorded.isEmpty {
            if retryRecording(force: true) || clock.now() >= deadline { break }
            await clock.sleep(for: .seconds(Self.recordRetryInterval))
        }
        guard !unrecorded.isEmpty else { return }
        let journal = sink?.journal
        let place = journal.map { j in
            journalFailed ? "lost but for the first of them in \(j.path) (the journal could not be written either), which the next `hypertop run` of this study records"
                : "in \(j.path), which the next `hypertop run` of this study records"
        } ?? "lost (they were kept in memory only)"
        say("\(unrecorded.count) event(s) could not be recorded in the study store (\(storeFailure ?? "")); they are \(place)")
    }

    /// Events not in the store when the study ended (0 when all were recorded).
    public var unrecordedEventCount: Int { unrecorded.count }

    /// A message for the screen that is not itself recorded (the store is what failed).
    func say(_ text: String) {
        let message = EngineEvent.message(text, at: clock.now())
        study.apply(message)
        continuation.yield(message)
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
