import Foundation

/// Greedy hypervolume subset selection (Guerreiro et al. 2016; Optuna 5's `_solve_hssp`): from
/// one non-domination rank, the `count` points that together cover the most hypervolume, taken
/// one at a time, each the point that adds the most to those taken before it.
///
/// TPE uses it to cut the last rank that does not fit on the below side whole. Ties go to the
/// point first in lexicographic order of its losses, as Optuna's do, so that both pick the same
/// sets on the same history.
enum HypervolumeSubset {
    /// Optuna's reference point for a rank's losses: 1.1 × the worst loss per objective (0.9 ×
    /// when it is negative), with 1e-12 standing in for 0.
    static func reference(_ losses: [[Double]]) -> [Double] {
        guard let first = losses.first else { return [] }
        return first.indices.map { j in
            let worst = losses.reduce(-Double.infinity) { max($0, $1[j]) }
            let r = max(1.1 * worst, 0.9 * worst)
            return r == 0 ? 1e-12 : r
        }
    }

    /// Positions in `losses` of the `count` points chosen, ascending.
    static func select(_ losses: [[Double]], count: Int, reference: [Double]) -> [Int] {
        let n = losses.count
        guard count < n else { return Array(0..<n) }
        guard count > 0 else { return [] }
        // Equal points add nothing to each other: each distinct point once (its first
        // occurrence), in lexicographic order.
        let sorted = (0..<n).sorted { a, b in
            let order = lexicographic(losses[a], losses[b])
            return order != 0 ? order < 0 : a < b
        }
        var distinct: [Int] = []
        for i in sorted where distinct.last.map({ losses[$0] != losses[i] }) ?? true { distinct.append(i) }
        if distinct.count < count {
            // Every distinct point, and the earliest repeats to make up the count.
            var chosen = Set(distinct)
            for i in 0..<n where chosen.count < count && !chosen.contains(i) { chosen.insert(i) }
            return chosen.sorted()
        }
        let points = distinct.map { losses[$0] }
        let picked: [Int]
        if !reference.allSatisfy(\.isFinite) || count == points.count {
            picked = Array(0..<count)
        } else if reference.count == 2 {
            picked = greedyPlane(points, count: count, reference: reference)
        } else {
            picked = greedy(points, count: count, reference: reference)
        }
        return picked.map { distinct[$0] }.sorted()
    }

    /// -1, 0 or 1 as `a` comes before, with or after `b` in lexicographic order.
    private static func lexicographic(_ a: [Double], _ b: [Double]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    /// Two objectives: the points of one rank, sorted by the first loss, fall along a staircase,
    /// and each one's contribution is the box between it and the corner its neighbours among the
    /// taken points leave it. Taking a point shrinks the boxes of the points on either side.
    private static func greedyPlane(_ points: [[Double]], count: Int, reference: [Double]) -> [Int] {
        var index = Array(points.indices)
        var loss = points
        // Per remaining point: the far corner of its box.
        var corner = [[Double]](repeating: reference, count: points.count)
        var picked: [Int] = []
        for _ in 0..<count {
            var best = 0, bestArea = -Double.infinity
            for k in index.indices {
                let area = (corner[k][0] - loss[k][0]) * (corner[k][1] - loss[k][1])
                if area > bestArea { best = k; bestArea = area }
            }
            picked.append(index[best])
            let taken = loss[best]
            index.remove(at: best)
            loss.remove(at: best)
            corner.remove(at: best)
            for k in 0..<best { corner[k][0] = min(taken[0], corner[k][0]) }
            for k in best..<corner.count { corner[k][1] = min(taken[1], corner[k][1]) }
        }
        return picked
    }

    /// Three or more objectives: each point's gain is measured as the hypervolume it adds to the
    /// points taken so far. Gains only shrink as points are taken (hypervolume is submodular), so
    /// an old gain bounds the new one, and only points whose bound can still win are measured again.
    private static func greedy(_ points: [[Double]], count: Int, reference: [Double]) -> [Int] {
        // The first round's gains are each point's own box, exactly.
        var bound = points.map { box($0, reference) }
        var remaining = Array(points.indices)
        var taken: [[Double]] = []
        var picked: [Int] = []
        var covered = 0.0
        for round in 0..<count {
            var best = -1, bestGain = -Double.infinity
            if covered.isFinite {
                let order = remaining.sorted { bound[$0] > bound[$1] || (bound[$0] == bound[$1] && $0 < $1) }
                for k in order {
                    if bound[k] < bestGain { break }
                    if round > 0 {
                        bound[k] = Pareto.hypervolume(taken + [points[k]], reference: reference) - covered
                    }
                    if bound[k] > bestGain || (bound[k] == bestGain && k < best) { best = k; bestGain = bound[k] }
                }
            }
            // Gains that overflow (or are not numbers) tell nothing: take the first point.
            if best < 0 || !bestGain.isFinite { best = remaining.min() ?? 0 }
            picked.append(best)
            remaining.removeAll { $0 == best }
            taken.append(points[best])
            covered += bestGain
            // What a point adds to the taken ones is at most what it adds to the newest alone.
            for k in remaining {
                let overlap = zip(points[k], points[best]).map { max($0, $1) }
                bound[k] = min(bound[k], box(points[k], reference) - box(overlap, reference))
            }
        }
        return picked
    }

    /// The volume between `point` and `reference`.
    private static func box(_ point: [Double], _ reference: [Double]) -> Double {
        zip(reference, point).reduce(1) { $0 * ($1.0 - $1.1) }
    }
}
