import Foundation

/// Scilab-RL's epoch cap: every trial gets `n_epochs=<cap>`; the cap starts at the config's
/// `n_epochs` and, after a trial that completed in `E` evaluations, becomes `int(E * 1.5)` when
/// that is smaller, so an early stop shortens later trials and the score's reward for early
/// stopping stays fair. Unlike the original, a trial that logged nothing (or failed) never
/// shrinks it.
public enum EpochCap {
    public static func next(_ cap: Int, afterEpochs epochs: Int) -> Int {
        guard epochs > 0 else { return cap }
        return min(cap, Int(Double(epochs) * 1.5))
    }

    /// The cap for the next trial of `study`, folding over its complete trials in the order they ended.
    public static func current(initial: Int, study: Study, criterion: String) -> Int {
        let complete = study.trials.filter { $0.state == .complete }
            .sorted { ($0.outcome?.endedAt ?? .distantPast, $0.number) < ($1.outcome?.endedAt ?? .distantPast, $1.number) }
        return complete.reduce(initial) { cap, trial in
            next(cap, afterEpochs: trial.metrics.count(of: criterion))
        }
    }
}
