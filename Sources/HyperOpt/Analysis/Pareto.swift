import Foundation

/// Pareto dominance over loss vectors (every objective turned into "smaller is better"): the
/// front, non-domination ranks (plain and Deb's constrained ones), crowding distance and exact
/// hypervolume. Multi-objective samplers (NSGA-II) and the study's Pareto views build on these,
/// and their numbers agree with Optuna's (`_fast_non_domination_rank`, `compute_hypervolume`).
///
/// A point with a NaN objective (or with the wrong number of objectives) can be compared with
/// nothing: it is never on the front, ranks after every other point, is dominated by every point
/// without one, and adds no hypervolume.
public enum Pareto {
    /// Values turned into losses (maximized objectives negated), so smaller is better everywhere.
    public static func losses(_ values: [Double], directions: [Direction]) -> [Double] {
        values.indices.map { i in i < directions.count && directions[i] == .maximize ? -values[i] : values[i] }
    }

    /// a dominates b (losses): no worse in every objective, better in one. A point with a NaN
    /// dominates nothing and is dominated by every point without one (as Optuna's unfinished trials).
    public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        if a.contains(where: \.isNaN) || a.count != b.count { return false }
        if b.contains(where: \.isNaN) { return true }
        return dominatesClean(a, b)
    }

    /// Indices of the non-dominated points (losses), in input order. Equal points do not dominate
    /// each other, so copies of a front point are all on the front. Two objectives: a sort and one
    /// sweep; more: a scan in lexicographic order that keeps the front found so far (a point can
    /// only be dominated by one sorted before it).
    public static func front(_ losses: [[Double]]) -> [Int] {
        let (valid, m) = comparable(losses)
        guard !valid.isEmpty else { return [] }
        let groups = equalGroups(lexicographicOrder(valid, losses), losses)
        var onFront = Array(repeating: false, count: losses.count)
        if m == 1 {
            // The first group holds the smallest value.
            for i in groups[0] { onFront[i] = true }
        } else if m == 2 {
            var bestY = Double.infinity
            var first = true
            for group in groups {
                let y = losses[group[0]][1]
                // Every earlier point has a smaller x, or the same x and a smaller y.
                if first || y < bestY { for i in group { onFront[i] = true } }
                bestY = first ? y : min(bestY, y)
                first = false
            }
        } else {
            for group in keepFront(groups.map { $0[0] }, losses).front {
                for i in groups[group] { onFront[i] = true }
            }
        }
        return losses.indices.filter { onFront[$0] }
    }

    /// Non-domination rank of each point (0 = the front); equal points share a rank. One
    /// objective: the dense rank of the value (as Optuna); two: each point goes, in lexicographic
    /// order, to the first rank none of whose points dominates it (a binary search on each rank's
    /// smallest second loss); more: fronts peeled one after another.
    public static func ranks(_ losses: [[Double]]) -> [Int] {
        let (valid, m) = comparable(losses)
        var rank = Array(repeating: 0, count: losses.count)
        guard !valid.isEmpty else { return rank }
        let groups = equalGroups(lexicographicOrder(valid, losses), losses)
        var worst = 0
        if m == 1 {
            for (r, group) in groups.enumerated() { for i in group { rank[i] = r } }
            worst = groups.count - 1
        } else if m == 2 {
            // smallestY[r]: the smallest second loss among rank r's points so far; nondecreasing in r.
            var smallestY: [Double] = []
            for group in groups {
                let y = losses[group[0]][1]
                var lo = 0, hi = smallestY.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if smallestY[mid] <= y { lo = mid + 1 } else { hi = mid }
                }
                if lo == smallestY.count { smallestY.append(y) } else { smallestY[lo] = min(smallestY[lo], y) }
                for i in group { rank[i] = lo }
            }
            worst = smallestY.count - 1
        } else {
            var remaining = Array(groups.indices)
            var r = 0
            while !remaining.isEmpty {
                let peeled = keepFront(remaining.map { groups[$0][0] }, losses)
                for k in peeled.front { for i in groups[remaining[k]] { rank[i] = r } }
                remaining = peeled.rest.map { remaining[$0] }
                r += 1
            }
            worst = r - 1
        }
        if valid.count < losses.count {
            let isValid = Set(valid)
            for i in losses.indices where !isValid.contains(i) { rank[i] = worst + 1 }
        }
        return rank
    }

    /// Deb's constrained ranks, as Optuna's NSGA-II: feasible points (violation 0) ranked among
    /// themselves first; infeasible ones after them, ordered by violation (smaller first, equal
    /// violation same rank). A NaN violation counts as the largest.
    public static func constrainedRanks(_ losses: [[Double]], violations: [Double]) -> [Int] {
        precondition(losses.count == violations.count, "one violation per point")
        let feasible = losses.indices.filter { violations[$0] <= 0 }
        let infeasible = losses.indices.filter { !(violations[$0] <= 0) }
        var rank = Array(repeating: 0, count: losses.count)
        let feasibleRanks = ranks(feasible.map { losses[$0] })
        for (k, i) in feasible.enumerated() { rank[i] = feasibleRanks[k] }
        let offset = (feasibleRanks.max() ?? -1) + 1
        let violationRanks = ranks(infeasible.map { [violations[$0].isNaN ? .infinity : violations[$0]] })
        for (k, i) in infeasible.enumerated() { rank[i] = offset + violationRanks[k] }
        return rank
    }

    /// Crowding distance of the points of one front (boundary points +inf), as Optuna computes it:
    /// per objective, the gap between a point's two neighbours in sorted order over the spread of
    /// the finite values, summed over objectives; an objective where all points are equal adds
    /// nothing, and inf - inf counts as 0. Ties are ordered as Optuna's stable sorts leave them.
    public static func crowdingDistance(_ losses: [[Double]]) -> [Double] {
        var distance = Array(repeating: 0.0, count: losses.count)
        guard let m = losses.first?.count else { return distance }
        // NaN sorts nowhere; it is treated as the worst value.
        let value = { (i: Int, k: Int) -> Double in
            let v = k < losses[i].count ? losses[i][k] : .nan
            return v.isNaN ? .infinity : v
        }
        var order = Array(losses.indices)
        for k in 0..<m {
            // Stable: ties keep the order the previous objective left them in.
            order = order.enumerated().map { (position: $0.offset, index: $0.element, value: value($0.element, k)) }
                .sorted { $0.value != $1.value ? $0.value < $1.value : $0.position < $1.position }
                .map(\.index)
            let values = order.map { value($0, k) }
            guard let lowest = values.first, let highest = values.last, lowest != highest else { continue }
            let finite = values.filter(\.isFinite)
            var width = (finite.max() ?? 0) - (finite.min() ?? 0)
            if !(width > 0) || !width.isFinite { width = 1 }
            for j in order.indices {
                let below = j > 0 ? values[j - 1] : -.infinity
                let above = j + 1 < values.count ? values[j + 1] : .infinity
                let gap = below == above ? 0 : above - below
                distance[order[j]] += gap / width
            }
        }
        return distance
    }

    /// Exact hypervolume dominated by the points (losses) and bounded by `reference`; points not
    /// strictly better than the reference in every objective add nothing. 2 objectives: sort and
    /// sweep; 3: slices along the third, each a 2-objective staircase kept up to date; more: WFG
    /// (the sum of each point's exclusive volume). Agrees with optuna._hypervolume.compute_hypervolume
    /// (which refuses points outside the reference; an infinite volume comes out as +inf).
    public static func hypervolume(_ losses: [[Double]], reference: [Double]) -> Double {
        let points = inside(losses, reference: reference).map { losses[$0] }
        guard !points.isEmpty else { return 0 }
        if reference.contains(.infinity) || points.contains(where: { $0.contains(-.infinity) }) { return .infinity }
        let hv = volume(points, reference: reference)
        return hv.isNaN ? .infinity : hv
    }

    /// Each point's exclusive contribution to the hypervolume (what is lost without it): zero for a
    /// dominated point, a copy of another point, or one outside the reference.
    public static func contributions(_ losses: [[Double]], reference: [Double]) -> [Double] {
        var out = Array(repeating: 0.0, count: losses.count)
        let candidates = inside(losses, reference: reference)
        guard !candidates.isEmpty else { return out }
        let local = front(candidates.map { losses[$0] }).map { candidates[$0] }
        // Copies of a point protect each other: only a point with no copy can contribute.
        var copies: [[Double]: Int] = [:]
        for i in local { copies[losses[i], default: 0] += 1 }
        let unique = local.filter { copies[losses[$0]] == 1 }
        // What only p covers: its box less what every other point covers inside it; a point that
        // only p dominated counts too, it still covers part of p's box once p is gone.
        let others = candidates.map { losses[$0] }
        for i in unique {
            let p = losses[i]
            let limited = others.filter { $0 != p }.map { q in zip(q, p).map { max($0, $1) } }
            let exclusive = inclusive(p, reference: reference) - volume(limited, reference: reference)
            out[i] = exclusive.isNaN ? .infinity : max(0, exclusive)
        }
        return out
    }
}

// MARK: - Pieces shared by the above

extension Pareto {
    /// Indices of the points that can be compared (no NaN, as many objectives as the first such
    /// point), and that count.
    static func comparable(_ losses: [[Double]]) -> (indices: [Int], objectives: Int) {
        guard let m = losses.first(where: { !$0.contains(where: \.isNaN) })?.count else { return ([], 0) }
        return (losses.indices.filter { losses[$0].count == m && !losses[$0].contains(where: \.isNaN) }, m)
    }

    /// Dominance between two NaN-free vectors of the same length.
    static func dominatesClean(_ a: [Double], _ b: [Double]) -> Bool {
        var strictly = false
        for k in a.indices {
            if a[k] > b[k] { return false }
            if a[k] < b[k] { strictly = true }
        }
        return strictly
    }

    /// `indices` sorted lexicographically by their points (ties by index), NaN-free points only.
    static func lexicographicOrder(_ indices: [Int], _ points: [[Double]]) -> [Int] {
        indices.sorted { i, j in
            let a = points[i], b = points[j]
            for k in a.indices where a[k] != b[k] { return a[k] < b[k] }
            return i < j
        }
    }

    /// Runs of equal points in a lexicographic order.
    static func equalGroups(_ order: [Int], _ points: [[Double]]) -> [[Int]] {
        var groups: [[Int]] = []
        for i in order {
            if let last = groups.last?.first, points[last] == points[i] { groups[groups.count - 1].append(i) } else { groups.append([i]) }
        }
        return groups
    }

    /// One pass over distinct points in lexicographic order, keeping those no kept point
    /// dominates: positions (in `indices`) of the front, and of the rest in order.
    static func keepFront(_ indices: [Int], _ points: [[Double]]) -> (front: [Int], rest: [Int]) {
        var front: [Int] = [], rest: [Int] = []
        for (k, i) in indices.enumerated() {
            if front.contains(where: { dominatesClean(points[indices[$0]], points[i]) }) { rest.append(k) } else { front.append(k) }
        }
        return (front, rest)
    }

    /// Indices of the points strictly better than the reference in every objective.
    static func inside(_ losses: [[Double]], reference: [Double]) -> [Int] {
        losses.indices.filter { i in
            losses[i].count == reference.count && !reference.isEmpty && zip(losses[i], reference).allSatisfy { $0 < $1 }
        }
    }

    /// The box between a point and the reference.
    static func inclusive(_ p: [Double], reference: [Double]) -> Double {
        zip(reference, p).reduce(1.0) { $0 * ($1.0 - $1.1) }
    }

    /// Hypervolume of points already inside the reference (any order, dominated ones allowed).
    static func volume(_ points: [[Double]], reference: [Double]) -> Double {
        guard !points.isEmpty else { return 0 }
        switch reference.count {
        case 1: return reference[0] - (points.map { $0[0] }.min() ?? reference[0])
        case 2: return volume2(points, reference: reference)
        case 3: return volume3(points, reference: reference)
        default: return wfg(distinctFront(points), reference: reference)
        }
    }

    /// Sorted by the first loss, each point that lowers the best second loss so far adds the
    /// strip between it and the reference.
    static func volume2(_ points: [[Double]], reference: [Double]) -> Double {
        let sorted = points.sorted { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] < $1[1] }
        var hv = 0.0, y = reference[1]
        for p in sorted where p[1] < y {
            hv += (reference[0] - p[0]) * (y - p[1])
            y = p[1]
        }
        return hv
    }

    /// Slices along the third loss: the points at or below each level form a 2-objective
    /// staircase whose area is updated as each point arrives, so the whole is O(n²) at worst.
    static func volume3(_ points: [[Double]], reference: [Double]) -> Double {
        let sorted = points.sorted { $0[2] < $1[2] }
        var stair = Staircase(reference: (reference[0], reference[1]))
        var hv = 0.0
        for (k, p) in sorted.enumerated() {
            stair.insert(x: p[0], y: p[1])
            let nextZ = k + 1 < sorted.count ? sorted[k + 1][2] : reference[2]
            if nextZ > p[2] { hv += stair.area * (nextZ - p[2]) }
        }
        return hv
    }

    /// The distinct non-dominated points, in lexicographic order.
    static func distinctFront(_ points: [[Double]]) -> [[Double]] {
        let groups = equalGroups(lexicographicOrder(Array(points.indices), points), points)
        let firsts = groups.map { $0[0] }
        return keepFront(firsts, points).front.map { points[firsts[$0]] }
    }

    /// WFG (While, Bradstreet and Barone 2012): the volume is the sum over the points, in order, of
    /// each one's box minus what the later points, pushed up to it, already cover.
    static func wfg(_ front: [[Double]], reference: [Double]) -> Double {
        switch front.count {
        case 0: return 0
        case 1: return inclusive(front[0], reference: reference)
        case 2:
            let meet = zip(front[0], front[1]).map { max($0, $1) }
            return inclusive(front[0], reference: reference) + inclusive(front[1], reference: reference) - inclusive(meet, reference: reference)
        default:
            var hv = 0.0
            for (k, p) in front.enumerated() {
                let box = inclusive(p, reference: reference)
                if k == front.count - 1 { hv += box; break }
                let limited = front[(k + 1)...].map { q in zip(q, p).map { max($0, $1) } }
                hv += box - wfg(distinctFront(limited), reference: reference)
            }
            return hv
        }
    }
}

/// The region a set of 2-objective points dominates, as a staircase sorted by x (y falling), with
/// its area kept up to date as points arrive.
struct Staircase {
    let reference: (x: Double, y: Double)
    private(set) var xs: [Double] = []
    private(set) var ys: [Double] = []
    private(set) var area = 0.0

    init(reference: (Double, Double)) { self.reference = reference }

    mutating func insert(x: Double, y: Double) {
        // k: the first step at or right of x.
        var lo = 0, hi = xs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        let k = lo
        if k > 0, ys[k - 1] <= y { return }
        if k < xs.count, xs[k] == x, ys[k] <= y { return }
        // Steps k..<j lie at or above and right of the new point: it covers them.
        var j = k
        while j < xs.count, ys[j] >= y { j += 1 }
        let above = k > 0 ? ys[k - 1] : reference.y
        let right = k < xs.count ? xs[k] : reference.x
        var gained = (right - x) * (above - y)
        for i in k..<j {
            let next = i + 1 < xs.count ? xs[i + 1] : reference.x
            gained += (next - xs[i]) * (ys[i] - y)
        }
        area += gained
        xs.replaceSubrange(k..<j, with: [x])
        ys.replaceSubrange(k..<j, with: [y])
    }
}
