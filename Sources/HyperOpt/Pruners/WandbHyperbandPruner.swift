import Foundation

/// W&B's hyperband stopping, decision for decision (`hyperband_stop_runs` in wandb/sweeps'
/// `hyperband_stopping.py`): at each band (a count of logged values), the threshold is the value
/// at index int(n / eta) of the sorted values that the n runs reaching the band logged there (the
/// running, finished and stopped runs alike, non-finite values left out); a running run past a
/// band is stopped once its value at its latest band (strict) or its best so far is worse than
/// that band's threshold. W&B re-judges on its controller's schedule; hypertop at each new value.
public struct WandbHyperbandPruner: TrialPruner {
    public let options: WandbHyperbandOptions
    /// Every judged trial's finite values as last seen, in the direction of minimizing: the
    /// running trials' as they grow, a stopped or failed one's as it ended.
    var seen: [Int: [Double]] = [:]

    public init(options: WandbHyperbandOptions) {
        self.options = options
    }

    public mutating func judge(_ s: PruneSubject, _ c: PruneContext, bar: inout Double?) -> String? {
        let sign = c.direction == .maximize ? -1.0 : 1.0
        let own = s.values.filter(\.isFinite).map { $0 * sign }
        seen[s.number] = own
        // The band the run has reached: the last one it has logged as many values as.
        guard let band = options.bands.last(where: { $0 <= own.count }) else { return nil }
        var histories = seen
        for (number, values) in c.completed { histories[number] = values.filter(\.isFinite).map { $0 * sign } }
        let there = histories.values.compactMap { $0.count >= band ? $0[band - 1] : nil }.sorted()
        let threshold = there[Int((1.0 / options.eta) * Double(there.count))]
        bar = threshold * sign
        let condition = options.strict ? own[band - 1] : (own.min() ?? own[band - 1])
        guard condition > threshold else { return nil }
        let worse = c.direction == .maximize ? "below" : "above"
        return "pruned by W&B's hyperband at band \(band) (evaluation \(band)): \(c.criterion) "
            + "\(PruneText.number(condition * sign)) (\(options.strict ? "its value there" : "its best so far")) is \(worse) "
            + "\(PruneText.number(threshold * sign)), the cut for the best 1/\(PruneText.number(options.eta)) of the \(there.count) run\(there.count == 1 ? "" : "s") that reached it"
    }

    /// The curves of a resumed study's trials, as the runs W&B compares against.
    public mutating func restore(_ curves: [(number: Int, values: [Double])], _ c: PruneContext) {
        let sign = c.direction == .maximize ? -1.0 : 1.0
        for (number, values) in curves { seen[number] = values.filter(\.isFinite).map { $0 * sign } }
    }
}
