import Foundation

/// Tree-structured Parzen Estimator, as Optuna 5 runs it by default (Watanabe 2023): after
/// `nStartupTrials` random sets, split the observations into the best `gamma(n)` (below) and the
/// rest (above), model each with a Parzen estimator, draw `nEICandidates` sets from the one below
/// and propose the one maximising log below(x) - log above(x).
///
/// With several objectives or constraints the split ranks the sets as Optuna's does: feasible
/// ones first, by non-domination rank and hypervolume when there are several objectives
/// (`OutcomeSplit`, `MultiObjectiveSplit`, `HypervolumeSubset`); the estimators are the same.
public struct TPESampler: Sampler {
    public let options: TPEOptions
    /// The build of the mixture loops this sampler runs (the same proposals either way).
    let loops: MixtureLoops
    /// What this sampler keeps from one ask to the next to do less work; never changes a
    /// proposal (see `TPECache`). The planner that owns the sampler owns it.
    private var cache = TPECache()

    public init(options: TPEOptions = TPEOptions()) {
        self.init(options: options, loops: .detected)
    }

    init(options: TPEOptions, loops: MixtureLoops) {
        self.options = options
        self.loops = loops
    }

    public var name: String { "tpe" }

    /// Number of observations on the below side: min(ceil(0.1 n), 25).
    static func gamma(_ n: Int) -> Int {
        min((n + 9) / 10, 25)
    }

    /// With several objectives, ceil(0.1 n) without the cap: the below side must hold enough of
    /// the front to spread along it (Optuna's `default_gamma_multiobjective`).
    static func gammaMultiObjective(_ n: Int) -> Int {
        (n + 9) / 10
    }

    /// Observation weights, oldest first: flat when n < 25, otherwise the newest 25 get 1 and
    /// older ones ramp linearly from 1/n up to 1.
    static func weights(_ n: Int) -> [Double] {
        guard n >= 25 else { return [Double](repeating: 1, count: n) }
        let rampCount = n - 25
        var w = [Double](repeating: 1, count: n)
        if rampCount == 1 {
            w[0] = 1 / Double(n)
        } else if rampCount > 1 {
            let first = 1 / Double(n)
            let stepSize = (1 - first) / Double(rampCount - 1)
            for i in 0..<rampCount { w[i] = first + Double(i) * stepSize }
        }
        return w
    }

    /// The below side's weights: with several objectives every set weighs the same (Optuna 5
    /// passes ones, and the below side is not capped at 25 there); with one, `weights`.
    static func belowWeights(_ n: Int, multiObjective: Bool) -> [Double] {
        multiObjective ? [Double](repeating: 1, count: n) : weights(n)
    }

    /// The below and above sides: by the one objective, or when the study has several objectives
    /// or constraints, by feasibility, then rank (`rankedSplit`).
    static func split(_ history: ObservationRows, context: SamplingContext, constantLiar: Bool) -> ObservationRows.Split {
        let n = history.completedCount
        guard let outcomes = history.outcomes else {
            return history.split(below: gamma(n), direction: context.direction, constantLiar: constantLiar)
        }
        let count = context.isMultiObjective ? gammaMultiObjective(n) : gamma(n)
        return history.rankedSplit(below: count, outcomes: outcomes, constantLiar: constantLiar)
    }

    public mutating func sample(_ context: SamplingContext) -> Params? {
        let parameters = context.space.parameters
        let domains = parameters.map { ParameterDomain($0.distribution) }
        let history = ObservationRows(context, domains: domains, memo: &cache.history)
        guard history.completedCount >= max(options.nStartupTrials, 1), !parameters.isEmpty else {
            return RandomSampler().sample(context)
        }
        var g = context.makeGenerator()
        let split = TPESampler.split(history, context: context, constantLiar: options.constantLiar)
        let belowWeights = TPESampler.belowWeights(split.below.count, multiObjective: context.isMultiObjective)
        let parzen = ParzenEstimator.Options(priorWeight: options.priorWeight, considerMagicClip: options.considerMagicClip,
                                             considerEndpoints: options.considerEndpoints)
        var out = Params()
        if options.multivariate ?? !context.isMultiObjective {
            let chosen = bestCandidate(domains: domains, columns: Array(0..<domains.count), split: split,
                                       belowWeights: belowWeights, history: history, parzen: parzen, using: &g) { values in
                guard !context.excluded.isEmpty else { return true }
                var params = Params()
                for (p, v) in zip(parameters, values) { params[p.name] = v }
                return !context.excluded.contains(ParamKey(params, space: context.space))
            }
            for (p, v) in zip(parameters, chosen) { out[p.name] = v }
        } else {
            // Independent TPE: one estimator pair and one choice per parameter.
            for (j, p) in parameters.enumerated() {
                let chosen = bestCandidate(domains: [domains[j]], columns: [j], split: split, belowWeights: belowWeights,
                                           history: history, parzen: parzen, using: &g) { _ in true }
                out[p.name] = chosen[0]
            }
        }
        return out
    }

    /// The candidate drawn below with the highest log below - log above among those `allowed`, or the best
    /// one outright when none is allowed (the caller then retries or falls back).
    private mutating func bestCandidate(domains: [ParameterDomain], columns: [Int], split: ObservationRows.Split,
                               belowWeights: [Double], history: ObservationRows,
                               parzen: ParzenEstimator.Options, using g: inout SeededGenerator,
                               allowed: ([ParamValue]) -> Bool) -> [ParamValue] {
        let below = ParzenEstimator(domains: domains, observations: history.table(split.below, columns: columns),
                                    weights: belowWeights, options: parzen)
        let aboveTable = history.table(split.above, columns: columns)
        let aboveWeights = TPESampler.weights(split.above.count)
        let above = cache.kernels.above(domains: domains, table: aboveTable, completedRows: history.completedCount,
                                        weights: aboveWeights, options: parzen, generation: history.generation) {
            history.aboveSorted(split, columns: columns)
        }
        let candidates = below.sample(count: max(options.nEICandidates, 1), using: &g)
        let logBelow = below.logDensity(candidates, loops: loops), logAbove = above.logDensity(candidates, loops: loops)
        let score = zip(logBelow, logAbove).map { a, b in (a - b).isNaN ? -Double.infinity : a - b }
        var order = Array(0..<candidates.count)
        // Stable: among equal scores the earlier draw wins, like numpy's argmax.
        order.sort { score[$0] > score[$1] || (score[$0] == score[$1] && $0 < $1) }
        let best = order.first { allowed(Array(candidates.values(of: $0))) } ?? order[0]
        cache.kernels.recycle(above)
        return Array(candidates.values(of: best))
    }
}
