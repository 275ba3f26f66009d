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
        guard durable?.isHolding == false, !running.isEmpty, now.timeIntervalSince(lastHeartbeat) >= Self.heartbeatInterval else { return }
        lastHeartbeat = now
        if let problem = durable!.heartbeat(running: running.keys.sorted(), at: now) { note(problem) }
    }

    /// Hands the pending events to the sink first, then to the stream: what is shown is recorded,
    /// or kept until it can be, in order (see `DurableSink`).
    func flush() {
        guard !pending.isEmpty || durable?.isHolding == true else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        // A usage measurement is shown, never recorded (see `UsageSample`).
        if durable != nil { durable!.record(batch.filter { !$0.isUsage }, now: clock.now()).forEach(say) }
        for e in batch { continuation.yield(e) }
        // A store whose file is gone takes nothing again: the study stops (exit status 1).
        if let gone = durable?.storeGone, stops.aborted == nil, let line = stops.abort(gone) { say(line) }
    }
}

extension EngineEvent {
    var isUsage: Bool {
        if case .usage = self { return true }
        return false
    }
}
