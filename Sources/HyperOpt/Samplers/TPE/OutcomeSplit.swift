import Foundation

/// What TPE reads of each completed row when a study has several objectives or constraints:
/// the row's losses and how far it is from feasible.
struct Outcomes: Sendable {
    let objectiveCount: Int
    /// Per completed row: each objective's value, negated where it is maximised (smaller better).
    let losses: [[Double]]
    /// Per completed row: 0 when feasible, else the sum of its constraints above 0 (Optuna's
    /// score of an infeasible trial); infinity for a constraint that is not a number.
    let violations: [Double]

    init(_ observations: [Observation], directions: [Direction]) {
        objectiveCount = directions.count
        losses = observations.map { Pareto.losses($0.objectives, directions: directions) }
        violations = observations.map(Outcomes.violation)
    }

    /// A set counts when it has a finite value for every objective.
    static func counts(_ observation: Observation, objectives: Int) -> Bool {
        observation.objectives.count == objectives && observation.objectives.allSatisfy(\.isFinite)
    }

    /// Optuna rejects NaN constraints; here such a set counts as the least feasible of all.
    static func violation(_ observation: Observation) -> Double {
        if observation.isFeasible { return 0 }
        if observation.constraints?.contains(where: \.isNaN) == true { return .infinity }
        return observation.violation
    }
}

extension ObservationRows {
    /// Optuna's split when trials carry several objectives or constraints (`_split_trials`): the
    /// feasible rows compete first, by their one objective or, with several, by non-domination
    /// rank and hypervolume (`MultiObjectiveSplit`); when fewer than `count` are feasible, the
    /// infeasible rows that violate least fill the rest. The constant liar's running rows go above.
    func rankedSplit(below count: Int, outcomes: Outcomes, constantLiar: Bool) -> Split {
        let n = completedCount
        let feasible = (0..<n).filter { outcomes.violations[$0] == 0 }
        let infeasible = (0..<n).filter { outcomes.violations[$0] != 0 }
        let k = min(count, feasible.count)
        var below: [Int]
        if outcomes.objectiveCount > 1 {
            below = MultiObjectiveSplit.best(feasible.map { outcomes.losses[$0] }, count: k).map { feasible[$0] }
        } else {
            // Stable, as Python's sort: equal values keep the older set first.
            let loss = outcomes.losses
            below = Array(feasible.sorted { loss[$0][0] < loss[$1][0] || (loss[$0][0] == loss[$1][0] && $0 < $1) }.prefix(k))
        }
        let violation = outcomes.violations
        below += infeasible.sorted { violation[$0] < violation[$1] || (violation[$0] == violation[$1] && $0 < $1) }
            .prefix(max(0, count - below.count))
        below.sort()
        let extra = constantLiar ? runningCount : 0
        var isBelow = [Bool](repeating: false, count: n)
        for i in below { isBelow[i] = true }
        let above = (0..<n).filter { !isBelow[$0] } + (n..<n + extra)
        return Split(below: below, above: above, runningAbove: extra)
    }
}
