import Foundation

/// Options of the median pruner (Optuna's MedianPruner, on the criterion's evaluations).
public struct MedianPrunerOptions: Sendable, Hashable, Codable {
    /// Completed trials needed at an evaluation before any trial is pruned there.
    public var nStartupTrials = 5
    /// Evaluations every trial may make before it can be pruned.
    public var nWarmupSteps = 0

    public init(nStartupTrials: Int = 5, nWarmupSteps: Int = 0) {
        self.nStartupTrials = nStartupTrials
        self.nWarmupSteps = nWarmupSteps
    }
}

public enum PrunerSpec: Sendable, Hashable, Codable {
    case none
    case median(MedianPrunerOptions)
}

/// Stops a running trial whose learning curve is worse than the median of the completed trials'
/// curves at the same evaluation: the compute goes to parameter sets that may win.
public struct MedianPruner: Sendable {
    public let options: MedianPrunerOptions
    public let direction: Direction
    public let criterion: String

    public init(options: MedianPrunerOptions, direction: Direction, criterion: String) {
        self.options = options
        self.direction = direction
        self.criterion = criterion
    }

    /// The criterion's values of a trial, one per evaluation, in order.
    func history(_ trial: TrialRecord) -> [Double] {
        trial.metrics.values(criterion)
    }

    /// Why `trial` should stop now, or nil. `completed` are the study's completed trials.
    public func reasonToPrune(_ trial: TrialRecord, completed: [TrialRecord]) -> String? {
        let h = history(trial)
        let k = h.count - 1
        guard k >= options.nWarmupSteps, k >= 0 else { return nil }
        let atK = completed.compactMap { t -> Double? in
            let ht = history(t)
            return ht.count > k && ht[k].isFinite ? ht[k] : nil
        }
        guard atK.count >= max(1, options.nStartupTrials) else { return nil }
        let sorted = atK.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let seen = h.filter(\.isFinite)
        guard let best = direction == .maximize ? seen.max() : seen.min() else { return nil }
        guard direction.isBetter(median, than: best) else { return nil }
        return String(format: "pruned at evaluation %d: best %@ %.4g is worse than the median %.4g of %d completed trials",
                      k + 1, criterion, best, median, atK.count)
    }
}
