import Foundation
import HyperOpt

/// Batches engine events into few transactions: `append` buffers, and a commit happens when
/// `maxPending` events wait, when `flushInterval` has passed, or on `flush()`. It also keeps the
/// heartbeats of the trials it saw launched fresh, so a crash leaves trials a resume can tell apart.
///
/// "Committed before shown": the engine appends, then awaits `flush()` before it forwards the
/// batch to the dashboard. `flush()` returns once everything appended so far is committed.
public actor StoreWriter {
    public nonisolated let store: StudyStore
    public nonisolated let studyID: Int
    public let flushInterval: Duration
    public let heartbeatInterval: TimeInterval
    public let maxPending: Int

    private var pending: [EngineEvent] = []
    private var running: Set<Int> = []
    private var lastBeat = Date.distantPast
    private var timer: Task<Void, Never>?
    /// An error from a background commit, reported by the next call that can throw.
    private var failure: (any Error)?

    public init(store: StudyStore, studyID: Int, flushInterval: Duration = .milliseconds(75),
                heartbeatInterval: TimeInterval = 10, maxPending: Int = 2_000) {
        self.store = store
        self.studyID = studyID
        self.flushInterval = flushInterval
        self.heartbeatInterval = heartbeatInterval
        self.maxPending = maxPending
    }

    public func append(_ event: EngineEvent) throws {
        try append([event])
    }

    public func append(_ events: [EngineEvent]) throws {
        if let failure { self.failure = nil; throw failure }
        pending.append(contentsOf: events)
        for event in events {
            switch event {
            case .launched(let launch): running.insert(launch.number)
            case .finished(let outcome): running.remove(outcome.number)
            default: break
            }
        }
        if pending.count >= maxPending {
            try flush()
        } else if timer == nil {
            let interval = flushInterval
            timer = Task { [weak self] in
                try? await Task.sleep(for: interval)
                await self?.timerFired()
            }
        }
    }

    /// Commits every event appended so far (and refreshes heartbeats when due).
    public func flush() throws {
        timer?.cancel()
        timer = nil
        if let failure { self.failure = nil; throw failure }
        let batch = pending
        pending = []
        if !batch.isEmpty {
            do {
                try store.record(batch, studyID: studyID)
            } catch {
                pending = batch + pending
                throw error
            }
        }
        try beatIfDue()
    }

    /// Refreshes the running trials' heartbeats now; call it from the engine's tick when no events
    /// flow for long stretches (a quiet job must still look alive).
    public func beat(at date: Date = Date()) throws {
        lastBeat = date
        try store.heartbeat(studyID: studyID, trials: running.sorted(), at: date)
    }

    /// Flushes and stops the timer; the writer stays usable.
    public func close() throws {
        try flush()
    }

    private func beatIfDue() throws {
        let now = Date()
        if !running.isEmpty, now.timeIntervalSince(lastBeat) >= heartbeatInterval { try beat(at: now) }
    }

    private func timerFired() {
        timer = nil
        do { try flush() } catch { failure = error }
    }
}
