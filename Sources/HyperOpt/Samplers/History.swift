import Foundation

/// The study as TPE reads it: every scored parameter set and every running one as a row of
/// internal values, converted once per ask so that the estimators never touch a dictionary.
struct History {
    let dims: Int
    /// Rows of completed sets (oldest first), then rows of running sets.
    private(set) var rows: [Double] = []
    private(set) var scores: [Double] = []
    let completedCount: Int
    let runningCount: Int

    init(_ context: SamplingContext, domains: [ParameterDomain]) {
        let names = context.space.parameters.map(\.name)
        let d = names.count
        dims = d
        rows.reserveCapacity((context.completed.count + context.running.count) * d)
        scores.reserveCapacity(context.completed.count)
        var row = [Double](repeating: 0, count: d)
        var seen = [Bool](repeating: false, count: d)
        // Matching each entry's name against the (few) parameter names is several times cheaper
        // than hashing the names for lookups; the names are usually the very same strings.
        func convert(_ params: Params) -> Bool {
            guard params.count >= names.count else { return false }
            for j in 0..<d { seen[j] = false }
            var found = 0
            for (name, value) in params {
                guard let j = names.firstIndex(of: name) else { continue }
                // A set from before a change of the search space does not fit the model: skip it.
                guard let x = domains[j].internalValue(value) else { return false }
                row[j] = x
                if !seen[j] { seen[j] = true; found += 1 }
            }
            return found == d
        }
        for o in context.completed where o.value.isFinite && convert(o.params) {
            rows.append(contentsOf: row)
            scores.append(o.value)
        }
        completedCount = scores.count
        var running = 0
        for p in context.running where convert(p) {
            rows.append(contentsOf: row)
            running += 1
        }
        runningCount = running
    }

    /// Row indices of the good and bad sides, each in age order.
    struct Split {
        var below: [Int]
        var above: [Int]
    }

    /// The `count` best completed sets go below; the other completed sets, and with the constant
    /// liar the running ones (as if they had the worst score), go above. Ties keep the older set.
    func split(below count: Int, direction: Direction, constantLiar: Bool) -> Split {
        let n = completedCount
        let k = min(count, n)
        // The k best by partial insertion: k is at most 25, so this is one pass over the scores.
        var best = [Int]()
        best.reserveCapacity(k + 1)
        for i in 0..<n where k > 0 {
            if best.count == k, !direction.isBetter(scores[i], than: scores[best[k - 1]]) { continue }
            var at = best.count
            while at > 0 && direction.isBetter(scores[i], than: scores[best[at - 1]]) { at -= 1 }
            best.insert(i, at: at)
            if best.count > k { best.removeLast() }
        }
        var isBelow = [Bool](repeating: false, count: n)
        for i in best { isBelow[i] = true }
        var split = Split(below: [], above: [])
        split.below.reserveCapacity(count)
        split.above.reserveCapacity(n + runningCount)
        for i in 0..<n {
            if isBelow[i] { split.below.append(i) } else { split.above.append(i) }
        }
        if constantLiar { split.above.append(contentsOf: n..<(n + runningCount)) }
        return split
    }

    /// The listed rows restricted to `columns`, flat.
    func rows(_ indices: [Int], columns: [Int]) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns.count)
        for i in indices {
            for j in columns { out.append(rows[i * dims + j]) }
        }
        return out
    }
}
