import HyperOpt

/// Scores of the trials whose parameter falls in one choice or one quantile range.
public struct ParamBin: Sendable, Hashable {
    public var label: String
    public var mean: Double?
    public var std: Double?
    public var n: Int

    public init(label: String, scores: [Double]) {
        self.label = label
        n = scores.count
        mean = Sample.mean(scores)
        std = Sample.std(scores)
    }
}

/// How one parameter relates to the score: mean score per choice (categorical, or a numeric
/// parameter with few values) or per quantile bin (numeric), and which bin is best.
public struct ParamSummary: Sendable, Hashable {
    public var name: String
    public var bins: [ParamBin]
    public var best: Int?

    /// Parameters with at most this many values are shown value by value.
    static let maxChoices = 6
    static let quantileBins = 4

    /// One summary per parameter of the search space, from the study's complete, scored trials.
    public static func compute(_ study: Study) -> [ParamSummary] {
        guard let spec = study.info?.spec else { return [] }
        let scored = study.trials.compactMap { t -> (Params, Double)? in
            guard t.state == .complete, let s = t.score, s.isFinite else { return nil }
            return (t.launch.params, s)
        }
        return spec.space.parameters.map { p in
            let pairs = scored.compactMap { params, score in params[p.name].map { ($0, score) } }
            var summary = ParamSummary(name: Format.shortName(p.name), bins: bins(for: p.distribution, pairs), best: nil)
            summary.best = summary.bestBin(spec.direction)
            return summary
        }
    }

    private func bestBin(_ direction: Direction) -> Int? {
        var best: Int?
        for (i, b) in bins.enumerated() {
            guard let m = b.mean else { continue }
            if let j = best, let bm = bins[j].mean, !direction.isBetter(m, than: bm) { continue }
            best = i
        }
        return best
    }

    private static func bins(for distribution: Distribution, _ pairs: [(ParamValue, Double)]) -> [ParamBin] {
        var choices: [ParamValue]?
        switch distribution {
        case .categorical(let c):
            choices = c
        case .int(let low, _, _, let step):
            if let n = distribution.cardinality, n <= maxChoices { choices = (0..<n).map { .int(low + $0 * step) } }
        case .float(let low, _, _, let step):
            if let step, let n = distribution.cardinality, n <= maxChoices {
                choices = (0..<n).map { distribution.toExternal(low + Double($0) * step) }
            }
        }
        if let choices {
            return choices.map { c in
                ParamBin(label: Format.param(c, width: 9), scores: pairs.filter { $0.0 == c }.map(\.1))
            }
        }
        return quantiles(pairs.compactMap { v, s in v.number.map { ($0, s) } })
    }

    /// Up to four bins holding about equal numbers of trials; equal values never straddle two bins.
    private static func quantiles(_ pairs: [(Double, Double)]) -> [ParamBin] {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        guard !sorted.isEmpty else { return [] }
        let distinct = Set(sorted.map(\.0)).sorted()
        if distinct.count <= quantileBins {
            return distinct.map { v in
                ParamBin(label: Format.number(v, width: 9), scores: sorted.filter { $0.0 == v }.map(\.1))
            }
        }
        var bins: [ParamBin] = []
        var start = 0
        for k in 1...quantileBins {
            var end = k == quantileBins ? sorted.count : sorted.count * k / quantileBins
            while end < sorted.count, end > 0, sorted[end].0 == sorted[end - 1].0 { end += 1 }
            guard end > start else { continue }
            let slice = sorted[start..<end]
            let lo = Format.number(sorted[start].0, width: 5), hi = Format.number(sorted[end - 1].0, width: 5)
            let label = lo == hi ? lo : lo + ".." + hi
            bins.append(ParamBin(label: label, scores: slice.map(\.1)))
            start = end
        }
        return bins
    }
}
