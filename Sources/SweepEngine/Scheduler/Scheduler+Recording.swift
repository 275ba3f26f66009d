import Foundation
import HyperOpt

/// Recording: each tick's events go to the durable sink before anyone sees them (see `DurableSink`
/// for what happens when the store cannot be written).
extension Scheduler {
    /// At the end: more attempts, a second apart, for `DurableSink.finalWait`; what is still kept is then reported.
    func recordWhatWasKept() async {
        guard durable != nil else { return }
        let deadline = clock.now().addingTimeInterval(DurableSink.finalWait)
        while durable!.isHolding {
            let attempt = durable!.retry(now: clock.now(), force: true)
            attempt.said.forEach(say)
            if attempt.recorded || durable!.storeGone != nil || clock.now() >= deadline { break }
            await clock.sleep(for: .seconds(DurableSink.retryInterval))
        }
        if let report = durable!.lossReport { say(report) }
        durable!.releaseJournal()
    }

    /// Events not in the store when the study ended (0 when all were recorded).
    public var unrecordedEventCount: Int { durable?.kept.count ?? 0 }

    /// What became of the events the store did not take, in one true sentence; nil when it took all.
    public var lossReport: String? { durable?.lossReport }

    /// A message for the screen that is not itself recorded (the store is what failed).
    func say(_ text: String) {
        let message = EngineEvent.message(text, at: clock.now())
        study.apply(message)
        continuation.yield(message)
    }
}
