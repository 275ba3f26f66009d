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
        guard let sink, !running.isEmpty, now.timeIntervalSince(lastHeartbeat) >= Self.heartbeatInterval else { return }
        lastHeartbeat = now
        do {
            try sink.heartbeat(running: running.keys.sorted(), at: now)
        } catch {
            note("could not record the running trials' heartbeat: \(error)")
        }
    }

    /// Hands the pending events to the sink first, then to the stream: what is shown is recorded.
    func flush() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        if let sink {
            do {
                try sink.record(batch)
            } catch {
                let failure = EngineEvent.message("could not record \(batch.count) event(s) in the store: \(error)", at: clock.now())
                study.apply(failure)
                continuation.yield(failure)
            }
        }
        for e in batch { continuation.yield(e) }
    }
}
