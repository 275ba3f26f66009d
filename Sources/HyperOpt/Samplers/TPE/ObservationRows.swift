import Foundation

/// The study as TPE reads it: every scored parameter set and every running one as a row of
/// internal values, converted once per ask so that the estimators never touch a dictionary.
struct ObservationRows {
    let dims: Int
    /// Rows of completed sets (oldest first), then rows of running sets.
    private(set) var rows: [Double] = []
    private(set) var scores: [Double] = []
    let completedCount: Int
    let runningCount: Int
    /// Per dim, the completed rows sorted by their value there (ties by age); nil for
    /// categorical dims, or when unknown.
    private(set) var sortedCompleted: [[Int]?]
    /// Set when the completed rows are the memo's (one per completed set, in order): rows
    /// below some count are then unchanged for as long as this number stays the same.
    private(set) var generation: Int?
    /// Per completed row, its objectives and constraints, when the study has several objectives
    /// or constraints (the split then ranks rows by them, `rankedSplit`); nil otherwise.
    private(set) var outcomes: Outcomes?

    /// `memo` is the sampler's: this ask converts only the sets it has not seen.
    init(_ context: SamplingContext, domains: [ParameterDomain], memo: inout HistoryMemo) {
        let converter = RowConverter(space: context.space, domains: domains)
        let d = domains.count
        dims = d
        let completed = context.completed
        var row = [Double](repeating: 0, count: d)
        do {
            memo.update(completed, converter: converter)
            let valid = memo.validity
            // With several objectives or constraints: the sets that fit the space and have a
            // finite value for every objective.
            let kept: [Int]? = context.isMultiObjective || completed.contains(where: { $0.constraints != nil })
                ? completed.indices.filter { valid[$0] && Outcomes.counts(completed[$0], objectives: context.directions.count) }
                : nil
            if let kept {
                scores = kept.map { completed[$0].value }
                outcomes = Outcomes(kept.map { completed[$0] }, directions: context.directions)
            } else {
                scores = ObservationRows.finiteScores(completed, valid: valid)
            }
            // Every set counts: the memo's rows and orders are the history's as they are.
            let whole = scores.count == completed.count
            if whole {
                rows = memo.allRows
            } else if let kept {
                for i in kept { rows.append(contentsOf: memo.row(i)) }
            } else {
                for i in completed.indices where valid[i] && completed[i].value.isFinite {
                    rows.append(contentsOf: memo.row(i))
                }
            }
            sortedCompleted = whole ? memo.sortedOrders : Array(repeating: nil, count: d)
            generation = whole ? memo.generation : nil
        }
        completedCount = scores.count
        var running = 0
        for p in context.running where converter.convert(p, into: &row) {
            rows.append(contentsOf: row)
            running += 1
        }
        runningCount = running
    }

    /// The scores of the sets that count, in order: a set counts when it fits the space and has a
    /// finite score.
    private static func finiteScores(_ completed: [Observation], valid: [Bool]) -> [Double] {
        [Double](unsafeUninitializedCapacity: completed.count) { out, count in
            completed.withUnsafeBufferPointer { observations in
                valid.withUnsafeBufferPointer { valid in
                    var kept = 0
                    for i in 0..<observations.count {
                        let value = observations[i].value
                        out[kept] = value
                        kept &+= valid[i] && value.isFinite ? 1 : 0
                    }
                    count = kept
                }
            }
        }
    }

    /// Row indices of the below and above sides, each in age order (running sets last).
    struct Split {
        var below: [Int]
        var above: [Int]
        /// How many of `above` are running sets (at its end).
        var runningAbove: Int
    }

    /// The `count` best completed sets go below; the other completed sets, and with the constant
    /// liar the running ones (as if they had the worst score), go above. Ties keep the older set.
    func split(below count: Int, direction: Direction, constantLiar: Bool) -> Split {
        let n = completedCount
        let k = min(count, n)
        // The k best by partial insertion: k is at most 25, so this is one pass over the scores.
        // Losses: smaller is better in either direction.
        let sign = direction == .maximize ? -1.0 : 1.0
        // best[0..<filled]: the best so far, best first (k + 1 places: one spare for the insert).
        let best = [Int](unsafeUninitializedCapacity: k + 1) { best, count in
            scores.withUnsafeBufferPointer { scores in
                var filled = 0
                // The loss a set must beat to get in, once the k places are taken.
                var bar = Double.infinity
                for i in 0..<n where k > 0 {
                    let loss = sign * scores[i]
                    if filled == k, !(loss < bar) { continue }
                    var at = filled
                    while at > 0 && loss < sign * scores[best[at - 1]] {
                        best[at] = best[at - 1]
                        at -= 1
                    }
                    best[at] = i
                    if filled < k { filled += 1 }
                    if filled == k { bar = sign * scores[best[k - 1]] }
                }
                count = filled
            }
        }
        let below = best.sorted()
        let extra = constantLiar ? runningCount : 0
        // The rows between the good ones, run by run.
        let above = [Int](unsafeUninitializedCapacity: n - below.count + extra) { out, count in
            var next = 0, from = 0
            for b in below + [n + extra] {
                for i in from..<b {
                    out[next] = i
                    next += 1
                }
                from = b + 1
            }
            count = next
        }
        return Split(below: below, above: above, runningAbove: extra)
    }

    /// Per dim of `columns`, positions in `split.above` sorted by value there; nil when not known.
    func aboveSorted(_ split: Split, columns: [Int]) -> [[Int]?] {
        // position[i]: where completed row i is in `above`, or -1 when it is below.
        var position = [Int](repeating: -1, count: completedCount)
        for (at, i) in split.above.enumerated() where i < completedCount { position[i] = at }
        return columns.map { j in
            sortedCompleted[j].map {
                mergedOrder($0, dim: j, position: position, firstRunning: split.above.count - split.runningAbove,
                            extra: split.runningAbove)
            }
        }
    }

    /// The completed order without the below side, merged with the running rows (sorted here;
    /// there are few), as positions in `above`. Ties keep completed rows first, as a stable sort.
    private func mergedOrder(_ order: [Int], dim j: Int, position: [Int], firstRunning: Int, extra: Int) -> [Int] {
        let n = completedCount
        let runningSorted = (0..<extra).sorted { a, b in
            let va = rows[(n + a) * dims + j], vb = rows[(n + b) * dims + j]
            return va != vb ? va < vb : a < b
        }
        if extra == 0 {
            // Branch-free: write every position, advance past the ones that are in `above`.
            return Array(unsafeUninitializedCapacity: order.count) { out, count in
                position.withUnsafeBufferPointer { position in
                    order.withUnsafeBufferPointer { order in
                        var next = 0
                        for i in order {
                            let at = position[i]
                            out[next] = at
                            next &+= at >= 0 ? 1 : 0
                        }
                        count = next
                    }
                }
            }
        }
        var out = [Int]()
        out.reserveCapacity(order.count + extra)
        var r = 0
        for i in order where position[i] >= 0 {
            let v = rows[i * dims + j]
            while r < extra && rows[(n + runningSorted[r]) * dims + j] < v {
                out.append(firstRunning + runningSorted[r])
                r += 1
            }
            out.append(position[i])
        }
        while r < extra {
            out.append(firstRunning + runningSorted[r])
            r += 1
        }
        return out
    }

    /// The listed rows restricted to `columns`, without copying them.
    func table(_ indices: [Int], columns: [Int]) -> ObservationTable {
        ObservationTable(values: rows, stride: dims, indices: indices, columns: columns)
    }
}

/// Turns a parameter set into internal values.
struct RowConverter {
    let names: [String]
    let domains: [ParameterDomain]

    init(space: SearchSpace, domains: [ParameterDomain]) {
        names = space.parameters.map(\.name)
        self.domains = domains
    }

    /// False when the set lacks a parameter or holds a value outside it (a set from before a
    /// change of the search space): such sets do not fit the model and are skipped.
    func convert(_ params: Params, into row: inout [Double]) -> Bool {
        guard params.count >= names.count else { return false }
        var found = 0
        // Matching each entry against the few names is several times cheaper than hashing them.
        for (name, value) in params {
            guard let j = names.firstIndex(of: name) else { continue }
            guard let x = domains[j].internalValue(value) else { return false }
            row[j] = x
            found += 1
        }
        return found == names.count
    }
}
