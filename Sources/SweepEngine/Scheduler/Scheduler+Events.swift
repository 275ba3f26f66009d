import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Events: every change is applied to the study, recorded by the sink, then streamed.
extension Scheduler {
    func note(_ text: String) {
        emit(.message(text, at: clock.now()))
    }

    func emit(_ event: EngineEvent) {
        study.apply(event)
        pending.append(event)
    }

    func beat(_ now: Date) {
        // While the store cannot be written, heartbeats would fail too; the events wait in order.
        guard let sink, unrecorded.isEmpty, !running.isEmpty, now.timeIntervalSince(lastHeartbeat) >= Self.heartbeatInterval else { return }
        lastHeartbeat = now
        do {
            try sink.heartbeat(running: running.keys.sorted(), at: now)
        } catch {
            note("could not record the running trials' heartbeat: \(StoreFailure.describe(error))")
        }
    }

    /// Hands the pending events to the sink first, then to the stream: what is shown is recorded,
    /// or kept (in memory and the sink's journal) until it can be, in order (see `keep`).
    func flush() {
        guard !pending.isEmpty || !unrecorded.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        if let sink {
            if unrecorded.isEmpty {
                do {
                    try sink.record(batch)
                } catch {
                    keep(batch, failure: error)
                }
            } else {
                // Behind events still waiting: they go in after them.
                keep(batch, failure: nil)
                retryRecording(force: false)
            }
        }
        for e in batch { continuation.yield(e) }
    }
}
