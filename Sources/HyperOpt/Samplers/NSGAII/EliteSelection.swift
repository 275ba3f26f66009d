import Foundation

/// A scored set as NSGA-II compares sets: its losses (every objective turned into one to
/// minimise) and how far it is from feasible.
struct Individual: Sendable {
    let observation: Observation
    let losses: [Double]
    /// 0 when feasible; otherwise the summed amount by which its constraints exceed 0, or +inf
    /// when a constraint is NaN (Optuna refuses NaN constraints; here such a set simply ranks last).
    let violation: Double

    init(_ observation: Observation, directions: [Direction]) {
        self.observation = observation
        losses = Pareto.losses(observation.objectives, directions: directions)
        if observation.isFeasible {
            violation = 0
        } else {
            let sum = observation.violation
            violation = observation.constraints?.contains(where: \.isNaN) == true || !(sum > 0) ? .infinity : sum
        }
    }

    var isFeasible: Bool { violation == 0 }

    /// Deb's constrained domination, as Optuna's NSGA-II: a feasible set beats an infeasible one,
    /// of two infeasible ones the smaller violation wins, and two feasible ones compare by Pareto
    /// dominance. Without constraints every set is feasible and this is plain dominance.
    func dominates(_ other: Individual) -> Bool {
        switch (isFeasible, other.isFeasible) {
        case (true, true): return Pareto.dominates(losses, other.losses)
        case (true, false): return true
        case (false, true): return false
        case (false, false): return violation < other.violation
        }
    }
}

/// NSGA-II's survival step: which sets of a population become the next generation's parents.
enum EliteSelection {
    /// The `size` best of `population`: whole fronts of the constrained non-domination rank
    /// (feasible sets by Pareto rank, then infeasible ones by violation), in order, and from the
    /// front that does not fit whole, its sets of largest crowding distance, the least crowded
    /// (ties: earlier in `population` first; Optuna leaves ties in the order its sorts happen to).
    static func select(_ population: [Individual], size: Int) -> [Individual] {
        guard population.count > size else { return population }
        let ranks = Pareto.constrainedRanks(population.map(\.losses), violations: population.map(\.violation))
        var fronts = Array(repeating: [Int](), count: (ranks.max() ?? 0) + 1)
        for (i, r) in ranks.enumerated() { fronts[r].append(i) }
        var chosen: [Int] = []
        for front in fronts {
            if chosen.count + front.count < size {
                chosen += front
                continue
            }
            let crowding = Pareto.crowdingDistance(front.map { population[$0].losses })
            let leastCrowded = front.indices.sorted { crowding[$0] != crowding[$1] ? crowding[$0] > crowding[$1] : $0 < $1 }
            chosen += leastCrowded.prefix(size - chosen.count).map { front[$0] }
            break
        }
        return chosen.map { population[$0] }
    }
}
