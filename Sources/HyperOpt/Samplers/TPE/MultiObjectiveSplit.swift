import Foundation

/// The below side of a study with several objectives, as Optuna 5 chooses it
/// (`_split_complete_trials_multi_objective`): whole non-domination ranks, best first, for as
/// long as they fit; the first rank that does not fit is cut to size by greedy hypervolume
/// subset selection (`HypervolumeSubset`), which keeps the points that spread along the front.
enum MultiObjectiveSplit {
    /// Positions in `losses` (one vector per set, smaller better in every objective) of the
    /// `count` best, ascending.
    static func best(_ losses: [[Double]], count: Int) -> [Int] {
        let n = losses.count
        guard count > 0 else { return [] }
        guard count < n else { return Array(0..<n) }
        var below: [Int] = []
        for front in fronts(losses, covering: count) where below.count < count {
            if below.count + front.count <= count {
                below += front
            } else {
                let rank = front.map { losses[$0] }
                let kept = HypervolumeSubset.select(rank, count: count - below.count,
                                                    reference: HypervolumeSubset.reference(rank))
                below += kept.map { front[$0] }
            }
        }
        return below.sorted()
    }

    /// The first non-domination ranks, best first, each a list of positions, ascending, until
    /// they hold `count` points. Equal points share a rank, since neither dominates the other.
    static func fronts(_ losses: [[Double]], covering count: Int) -> [[Int]] {
        if losses.first?.count == 2 {
            // Two objectives: one sort ranks every point (`Pareto.ranks`).
            let rank = Pareto.ranks(losses)
            var fronts = [[Int]](repeating: [], count: (rank.max() ?? -1) + 1)
            for (i, r) in rank.enumerated() { fronts[r].append(i) }
            return fronts
        }
        // More: ranking every point costs a pass per rank, so peel only as many as are needed.
        var rest = Array(losses.indices)
        var fronts: [[Int]] = []
        var peeled = 0
        while !rest.isEmpty && peeled < count {
            let front = Pareto.front(rest.map { losses[$0] })
            var onFront = [Bool](repeating: false, count: rest.count)
            for k in front { onFront[k] = true }
            fronts.append(front.map { rest[$0] })
            rest = rest.indices.filter { !onFront[$0] }.map { rest[$0] }
            peeled += front.count
        }
        return fronts
    }
}
