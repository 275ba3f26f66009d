import Foundation
import HyperOpt

/// What the Pareto view draws for one pair of objectives, in the objectives' own units: every
/// complete scored set's means as a dot, the front's sets marked, and the attainment staircase
/// through the front. Made per frame from the cached front; the tests read it as it is.
struct ParetoPlot {
    struct Dot: Hashable {
        var paramSet: Int
        var x: Double
        var y: Double
        /// On the study's front (in every objective, not only these two).
        var onFront: Bool
        /// An infeasible set: drawn apart, never on the front.
        var feasible: Bool
    }

    var dots: [Dot] = []
    /// The staircase's corners from one end to the other: the front points no other front point
    /// beats in these two objectives, ordered by the x objective's loss, with the corner between
    /// each two (the next one's x, the last one's y). It bounds what the front dominates.
    var staircase: [(x: Double, y: Double)] = []
    /// The sets the staircase passes through, in its order.
    var stairSets: [Int] = []
    /// Which end of each axis is worse (where the staircase's ends run off to): the high end for
    /// an objective made small.
    var worseXIsHigh = true
    var worseYIsHigh = true

    init(_ state: DashboardState, axes: (x: Int, y: Int)) {
        let study = state.study
        let directions = study.directions
        guard axes.x < directions.count, axes.y < directions.count else { return }
        worseXIsHigh = directions[axes.x] == .minimize
        worseYIsHigh = directions[axes.y] == .minimize
        let onFront = Set(state.front.map(\.paramSet))
        for s in study.paramSets where s.count > 0 {
            guard let means = s.means, means.count == directions.count else { continue }
            let (x, y) = (means[axes.x], means[axes.y])
            guard x.isFinite, y.isFinite else { continue }
            dots.append(Dot(paramSet: s.paramSet, x: x, y: y, onFront: onFront.contains(s.paramSet), feasible: s.isFeasible))
        }
        // With more than two objectives, front sets may beat each other in these two: the
        // staircase goes through those no other front set beats here.
        let frontDots = dots.filter(\.onFront)
        let pair = [directions[axes.x], directions[axes.y]]
        let losses = frontDots.map { Pareto.losses([$0.x, $0.y], directions: pair) }
        let stair = Pareto.front(losses).sorted { (losses[$0][0], losses[$0][1], frontDots[$0].paramSet) < (losses[$1][0], losses[$1][1], frontDots[$1].paramSet) }
        for (k, i) in stair.enumerated() {
            let d = frontDots[i]
            if k > 0, let last = staircase.last { staircase.append((x: d.x, y: last.y)) }
            staircase.append((x: d.x, y: d.y))
            stairSets.append(d.paramSet)
        }
    }

    /// Lowest and highest x and y of the dots.
    var xRange: (lo: Double, hi: Double)? { valueRange(dots.map(\.x)) }
    var yRange: (lo: Double, hi: Double)? { valueRange(dots.map(\.y)) }
}
