import Foundation

/// Decides what the next trial runs: a queued repeat of a parameter set, or a new proposal from
/// the sampler. It counts every launched, running and queued copy, so no set ever exceeds
/// `max_trials_per_param`, and it says when the search space has nothing left to offer.
public struct TrialPlanner: Sendable {
    public enum Next: Sendable, Equatable {
        case launch(paramSet: Int, params: Params, repeatIndex: Int)
        case exhausted(String)
        /// Nothing to launch until a running trial ends (adaptive repeats wait for a race's result).
        case wait
    }

    public let space: SearchSpace
    public let direction: Direction
    public let minPerParamSet: Int
    public let maxPerParamSet: Int
    public let seed: UInt64
    /// The planner owns its sampler, and with it whatever the sampler keeps between asks.
    private(set) var sampler: any Sampler

    private var paramSetByKey: [ParamKey: Int] = [:]
    private var paramSetValues: [Params] = []
    /// Runs launched per parameter set (running or finished).
    private var launched: [Int] = []
    /// Parameter sets owed a repeat, in order; a set appears once per owed run.
    private var queue: [Int] = []
    /// Sets the pruner stopped: never launched again.
    public private(set) var retired: Set<Int> = []
    /// `repeats: adaptive`: after their first `min_trials_per_param` runs, repeats go to the sets
    /// whose 95% interval overlaps the best's (see `Racing`).
    public var adaptive = false

    /// Proposals refused in a row before the planner stops trusting the sampler.
    static let samplerAttempts = 20
    /// Largest finite space the planner enumerates to find an unexplored set.
    static let enumerationLimit = 200_000

    public init(space: SearchSpace, direction: Direction, minPerParamSet: Int, maxPerParamSet: Int, seed: UInt64, sampler: any Sampler) {
        self.space = space
        self.direction = direction
        self.minPerParamSet = minPerParamSet
        self.maxPerParamSet = max(minPerParamSet, maxPerParamSet)
        self.seed = seed
        self.sampler = sampler
    }

    public var queuedRepeats: Int { queue.count }

    /// Takes over the groups and counts of a study that already ran (resume). Sets whose runs were
    /// lost (`lostTrials`) are queued again, at most `retries` times each.
    public mutating func restore(from study: Study, lostTrials: Set<Int> = [], retries: Int = 0) {
        for stats in study.paramSets {
            let key = ParamKey(stats.params, space: space)
            paramSetByKey[key] = stats.paramSet
            while paramSetValues.count <= stats.paramSet {
                paramSetValues.append([:])
                launched.append(0)
            }
            paramSetValues[stats.paramSet] = stats.params
            launched[stats.paramSet] = stats.launched
        }
        for stats in study.paramSets where stats.pruned > 0 { retired.insert(stats.paramSet) }
        var retried: [Int: Int] = [:]
        for trial in study.trials where lostTrials.contains(trial.number) {
            let g = trial.launch.paramSet
            if retried[g, default: 0] < retries {
                retried[g, default: 0] += 1
                queue.append(g)
            }
        }
        for g in launched.indices where launched[g] + owed(g) < minPerParamSet {
            queue.append(contentsOf: Array(repeating: g, count: minPerParamSet - launched[g] - owed(g)))
        }
    }

    private func owed(_ paramSet: Int) -> Int { queue.reduce(0) { $0 + ($1 == paramSet ? 1 : 0) } }

    private func isFull(_ paramSet: Int) -> Bool { retired.contains(paramSet) || launched[paramSet] + owed(paramSet) >= maxPerParamSet }

    /// The pruner stopped a trial of this set: it is judged, and not launched again.
    public mutating func retire(paramSet: Int) {
        retired.insert(paramSet)
        queue.removeAll { $0 == paramSet }
    }

    /// Sets the sampler may not propose: full ones; with adaptive repeats, every set already run
    /// (its further runs come from the race alone, so a decided race frees the budget).
    private var excluded: Set<ParamKey> {
        Set(paramSetByKey.compactMap { key, g in isFull(g) || (adaptive && launched[g] + owed(g) >= minPerParamSet) ? key : nil })
    }

    /// Runs `paramSet` once more, before anything new: its trial was lost to the cluster (a failed
    /// or preempted node), not to its parameters.
    public mutating func rerun(paramSet: Int) {
        guard paramSet < launched.count else { return }
        queue.insert(paramSet, at: 0)
    }

    /// The user asked for this set again (a crash on a flaky node, a pruned set they doubt): it
    /// is no longer retired and its next run goes before anything new.
    public mutating func retry(paramSet: Int) {
        guard paramSet < launched.count else { return }
        retired.remove(paramSet)
        queue.insert(paramSet, at: 0)
    }

    /// `count` more runs of this set (more seeds before trusting it), after the runs already owed.
    public mutating func addRepeats(paramSet: Int, count: Int) {
        guard paramSet < launched.count, count > 0 else { return }
        retired.remove(paramSet)
        queue.append(contentsOf: Array(repeating: paramSet, count: count))
    }

    /// A set typed by the user, run before the sampler's proposals (Optuna's `enqueue_trial`);
    /// with `min_trials_per_param` > 1 its other runs follow. Returns its set number.
    @discardableResult
    public mutating func enqueue(_ params: Params) -> Int {
        let key = ParamKey(params, space: space)
        let g = paramSetByKey[key] ?? register(params, key: key)
        retired.remove(g)
        queue.insert(g, at: 0)
        return g
    }

    /// A new parameter set: its number, and its other `min_trials_per_param - 1` runs queued.
    private mutating func register(_ params: Params, key: ParamKey) -> Int {
        let g = paramSetValues.count
        paramSetByKey[key] = g
        paramSetValues.append(params)
        launched.append(0)
        if minPerParamSet > 1 { queue.append(contentsOf: Array(repeating: g, count: minPerParamSet - 1)) }
        return g
    }

    /// The next run. `study` supplies the observations and running trials the sampler learns from.
    public mutating func next(trialNumber: Int, study: Study) -> Next {
        if !queue.isEmpty {
            let g = queue.removeFirst()
            return launch(paramSet: g)
        }
        if adaptive, let g = Racing.nextRepeat(study: study, direction: direction, minRuns: minPerParamSet,
                                               isOpen: { $0 < launched.count && !isFull($0) }) {
            return launch(paramSet: g)
        }
        let excluded = self.excluded
        if let total = space.cardinality, excluded.count >= total {
            if adaptive && excluded.count > paramSetByKey.values.filter(isFull).count {
                if study.paramSets.contains(where: { $0.running > 0 }) { return .wait }
                return .exhausted("every one of the \(total) parameter sets ran, and the race among them is decided (repeats: adaptive)")
            }
            return .exhausted("every one of the \(total) parameter sets ran \(maxPerParamSet) time(s) (max_trials_per_param)")
        }
        // The study's directions (several objectives) where it knows them; the planner's own otherwise.
        var context = SamplingContext(
            space: space, directions: study.info == nil ? [direction] : study.directions, trialNumber: trialNumber, seed: seed,
            completed: study.observations,
            running: study.trials.filter { !$0.state.isFinished }.map(\.launch.params),
            excluded: excluded)
        // Every sampler gets every run's own score; those that model the seed noise (the GP) use them.
        context.runs = study.trials.compactMap { t in
            guard t.state == .complete, let s = t.score, s.isFinite else { return nil }
            return Observation(values: study.paramSets[t.launch.paramSet].values, value: s, number: t.number)
        }
        for attempt in 0..<Self.samplerAttempts {
            context.attempt = attempt
            guard let params = sampler.sample(context) else {
                return .exhausted("the \(sampler.name) sampler has no parameter set left to propose")
            }
            if let planned = accept(params, excluded: excluded) { return planned }
        }
        if let params = unexploredSet(excluded: excluded, context: context), let planned = accept(params, excluded: excluded) {
            return planned
        }
        return .exhausted("no unexplored parameter set was found after \(Self.samplerAttempts) proposals")
    }

    private mutating func accept(_ params: Params, excluded: Set<ParamKey>) -> Next? {
        let key = ParamKey(params, space: space)
        if excluded.contains(key) { return nil }
        return launch(paramSet: paramSetByKey[key] ?? register(params, key: key))
    }

    private mutating func launch(paramSet g: Int) -> Next {
        launched[g] += 1
        return .launch(paramSet: g, params: paramSetValues[g], repeatIndex: launched[g] - 1)
    }

    /// A set nobody has filled yet: enumerated for small finite spaces, else drawn at random.
    private func unexploredSet(excluded: Set<ParamKey>, context: SamplingContext) -> Params? {
        var g = context.makeGenerator(salt: 0xF00D)
        if let total = space.cardinality, total <= Self.enumerationLimit {
            let values = space.parameters.map { allValues($0.distribution) }
            var free: [Int] = []
            for index in 0..<total {
                if !excluded.contains(ParamKey(params(at: index, values: values), space: space)) { free.append(index) }
            }
            guard !free.isEmpty else { return nil }
            return params(at: free[Int(g.unit() * Double(free.count))], values: values)
        }
        for _ in 0..<100 {
            let p = RandomSampler().sample(SamplingContext(space: space, direction: direction, trialNumber: Int(g.next() >> 2), seed: seed))
            if let p, !excluded.contains(ParamKey(p, space: space)) { return p }
        }
        return nil
    }

    private func params(at index: Int, values: [[ParamValue]]) -> Params {
        var rest = index
        var out = Params()
        for (i, p) in space.parameters.enumerated() {
            out[p.name] = values[i][rest % values[i].count]
            rest /= values[i].count
        }
        return out
    }

    private func allValues(_ d: Distribution) -> [ParamValue] {
        switch d {
        case .categorical(let choices): return choices
        case .int(let low, let high, _, let step): return stride(from: low, through: high, by: step).map { .int($0) }
        case .float(let low, _, _, let step):
            let n = d.cardinality ?? 1
            return (0..<n).map { .float(low + Double($0) * (step ?? 0)) }
        }
    }
}

/// Racing (as irace and F-race): which set's next repeat best tells the leader apart.
public enum Racing {
    /// A set whose 95% interval still overlaps the best set's, most promising first; nil when
    /// the best stands apart (or no set can take a repeat). Only sets with `minRuns` scores and
    /// no run in flight compete. Intervals use the spread pooled over the sets (the seed noise
    /// they share) once it rests on 2 or more degrees of freedom, else the set's own.
    public static func nextRepeat(study: Study, direction: Direction, minRuns: Int, isOpen: (Int) -> Bool) -> Int? {
        let scored = study.paramSets.filter { $0.count >= max(1, minRuns) && $0.mean?.isFinite == true }
        guard scored.count >= 2, let best = scored.reduce(nil as ParamSetStats?, { b, s in
            b.map { direction.isBetter(s.mean!, than: $0.mean!) ? s : $0 } ?? s
        }) else { return nil }
        // The seed noise is the sets' common spread: pooled over every set with 2 or more runs, it
        // is estimated on many degrees of freedom, where a set's own 2 runs give one (t = 12.7).
        let pooled = pooledStd(study.paramSets)
        func interval(_ s: ParamSetStats) -> (low: Double, high: Double) {
            let m = s.mean!
            let usePooled = pooled.map { $0.df >= 2 } ?? false
            let sd = usePooled ? pooled!.sd : s.count >= 2 ? (s.std ?? 0) : .infinity
            let df = usePooled ? pooled!.df : s.count - 1
            let half = sd.isInfinite ? Double.infinity : Sample.t975(df) * sd / Double(s.count).squareRoot()
            return (m - half, m + half)
        }
        let b = interval(best)
        let rivals = scored.filter { $0.paramSet != best.paramSet }.filter { s in
            let r = interval(s)
            return r.low <= b.high && b.low <= r.high
        }
        guard !rivals.isEmpty else { return nil }
        // The leader and its rivals, most promising first: the one likeliest to be best gets the run.
        let contenders = ([best] + rivals).filter { isOpen($0.paramSet) && $0.running == 0 }
        return contenders.sorted { a, c in
            let (ma, mc) = (a.mean!, c.mean!)
            return ma == mc ? a.count < c.count : direction.isBetter(ma, than: mc)
        }.first?.paramSet
    }

    /// The within-set standard deviation pooled over the sets with 2 or more scores, and its
    /// degrees of freedom: the seed noise, which every set shares.
    static func pooledStd(_ sets: [ParamSetStats]) -> (sd: Double, df: Int)? {
        var ss = 0.0, df = 0
        for s in sets where s.count >= 2 && s.mean?.isFinite == true {
            let m = s.mean!
            ss += s.scores.reduce(0) { $0 + ($1 - m) * ($1 - m) }
            df += s.count - 1
        }
        return df > 0 ? ((ss / Double(df)).squareRoot(), df) : nil
    }
}
