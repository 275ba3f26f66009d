import Foundation

/// Options of `sampler: cmaes`, named as Optuna's CmaEsSampler names its arguments.
public struct CMAESOptions: Sendable, Hashable, Codable {
    /// σ at the start, in the box [0, 1]ⁿ CMA-ES searches (as Optuna 5.1, which scales every
    /// parameter's range to 1); nil: 1/6.
    public var sigma0: Double?
    /// Scored sets drawn at random before CMA-ES starts (Optuna: 1).
    public var nStartupTrials = 1
    /// Solutions per generation; nil: 4 + ⌊3 ln n⌋ for n searched parameters (at least 2 are used).
    public var popsize: Int?
    /// Separable CMA-ES: a diagonal covariance, learnt faster but blind to correlations.
    public var useSeparableCMA = false
    /// Where the search starts, by parameter name (in the parameter's own units); a parameter not
    /// named starts at the centre of its range.
    public var x0: [String: Double]?

    public init(sigma0: Double? = nil, nStartupTrials: Int = 1, popsize: Int? = nil, useSeparableCMA: Bool = false,
                x0: [String: Double]? = nil) {
        self.sigma0 = sigma0
        self.nStartupTrials = nStartupTrials
        self.popsize = popsize
        self.useSeparableCMA = useSeparableCMA
        self.x0 = x0
    }

    enum CodingKeys: String, CodingKey { case sigma0, nStartupTrials, popsize, useSeparableCMA, x0 }

    /// Keys a store written by an older hypertop lacks take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sigma0 = try c.decodeIfPresent(Double.self, forKey: .sigma0)
        nStartupTrials = try c.decodeIfPresent(Int.self, forKey: .nStartupTrials) ?? 1
        popsize = try c.decodeIfPresent(Int.self, forKey: .popsize)
        useSeparableCMA = try c.decodeIfPresent(Bool.self, forKey: .useSeparableCMA) ?? false
        x0 = try c.decodeIfPresent([String: Double].self, forKey: .x0)
    }
}

/// CMA-ES, as Optuna 5.1's CmaEsSampler runs it on one objective (the `cmaes` package's `CMA`, or
/// `SepCMA` when separable): floats and ints searched together in the box [0, 1]ⁿ
/// (`CMAEncoding`), categorical and single-valued parameters drawn uniformly at every ask (as
/// Optuna's default independent sampler draws them), and every parameter random until
/// `nStartupTrials` sets are scored, or always when no float or int is searched.
///
/// An ask reads: encode → replay the generations → sample → decode. Unlike Optuna, which tells a
/// generation only the trials it sampled from that generation's distribution (found by a trial
/// attribute), hypertop replays the scored sets in trial order, `popsize` at a time
/// (`CMAReplay`): a set proposed while an earlier generation was current may be told to a later
/// one, so with several trials running at once the updates differ a little from Optuna's, and a
/// study's proposals depend on its history alone, so a resumed study replays them.
///
/// Not implemented: `with_margin` (CMA-ES with margin for integer parameters) and `lr_adapt`
/// (learning-rate adaptation), both experimental in Optuna; restarts (deprecated in Optuna, where
/// `restart_strategy` falls back to none); warm starts from `source_trials`. Only the first
/// objective is optimised, and constraints are not used (Optuna refuses several objectives and
/// warns that it ignores constraints).
public struct CMAESSampler: Sampler {
    public let options: CMAESOptions
    public var name: String { "cmaes" }
    /// The last replay, which the next ask continues when the history it told is unchanged.
    var cache: CMAReplay?

    public init(options: CMAESOptions = CMAESOptions()) { self.options = options }

    /// Draws from the distribution that may all be sets the study may not run again before a
    /// uniform draw is proposed instead (a converged search keeps drawing the same set).
    static let excludedRetries = 10
    private static let cmaSalt: UInt64 = 0xC3A5_0E5A_0001
    private static let independentSalt: UInt64 = 0xC3A5_0E5A_0002

    public mutating func sample(_ context: SamplingContext) -> Params? {
        let encoding = CMAEncoding(space: context.space)
        guard encoding.dimension > 0, var state = replayed(context, encoding: encoding) else {
            return RandomSampler().sample(context)
        }
        var g = context.makeGenerator(salt: Self.cmaSalt)
        var other = context.makeGenerator(salt: Self.independentSalt)
        for _ in 0..<Self.excludedRetries {
            let x = state.ask(using: &g, maxResampling: 10 * encoding.dimension)
            var params = encoding.decode(x)
            for p in encoding.independent { params[p.name] = p.distribution.sampleUniform(using: &other) }
            if context.excluded.isEmpty || !context.excluded.contains(ParamKey(params, space: context.space)) {
                cache?.state = state
                return params
            }
        }
        cache?.state = state
        return RandomSampler().sample(context)
    }

    /// The state the context's history leads to, continuing the cached replay when it may (and
    /// keeping the result as the new cache); nil while the random start is not over.
    mutating func replayed(_ context: SamplingContext, encoding: CMAEncoding) -> CMAState? {
        guard let solutions = CMAReplay.solutions(context, encoding: encoding, startup: options.nStartupTrials) else { return nil }
        var replay: CMAReplay
        if let cache, cache.continues(to: solutions, space: context.space, direction: context.direction) {
            replay = cache
        } else {
            replay = CMAReplay(encoding: encoding, options: options, direction: context.direction)
        }
        replay.advance(to: solutions, encoding: encoding)
        cache = replay
        return replay.state
    }
}
