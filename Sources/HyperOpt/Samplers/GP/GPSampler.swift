import Foundation

/// Options of `sampler: gp`.
public struct GPOptions: Sendable, Hashable, Codable {
    /// Proposals before the GP takes over (Optuna's GPSampler: 10).
    public var nStartupTrials = 10
    /// Those first proposals from a scrambled Sobol' sequence (even cover of the space), or random.
    public var sobolStartup = true
    /// Random points the acquisition is first evaluated at, before a few are refined (Optuna:
    /// 2048; 1024 here, measured as good on the benchmark's problems at half the cost).
    public var nCandidates = 1024
    /// Local searches: from the best point observed, the best candidate, and candidates drawn with
    /// probability rising with their acquisition (Optuna's roulette selection; Optuna: 10).
    public var nLocalSearch = 10

    public init(nStartupTrials: Int = 10, sobolStartup: Bool = true, nCandidates: Int = 1024, nLocalSearch: Int = 10) {
        self.nStartupTrials = nStartupTrials
        self.sobolStartup = sobolStartup
        self.nCandidates = nCandidates
        self.nLocalSearch = nLocalSearch
    }

    enum CodingKeys: String, CodingKey { case nStartupTrials, sobolStartup, nCandidates, nLocalSearch }

    /// Keys a store written by an older hypertop lacks take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GPOptions()
        nStartupTrials = try c.decodeIfPresent(Int.self, forKey: .nStartupTrials) ?? d.nStartupTrials
        sobolStartup = try c.decodeIfPresent(Bool.self, forKey: .sobolStartup) ?? d.sobolStartup
        nCandidates = try c.decodeIfPresent(Int.self, forKey: .nCandidates) ?? d.nCandidates
        nLocalSearch = try c.decodeIfPresent(Int.self, forKey: .nLocalSearch) ?? d.nLocalSearch
    }
}

/// Bayesian optimisation with a Gaussian process: the kernel's hyperparameters by maximum a
/// posteriori (the marginal likelihood and a prior on them, as Optuna's GPSampler), log expected
/// improvement maximised over many random points refined by local search. Running trials enter
/// as "believed" points (their posterior mean, no noise: kriging believer), so the `n_jobs`
/// proposals of one moment differ. Seeded: the same study gives the same proposals.
public struct GPSampler: Sampler {
    public let options: GPOptions
    public var name: String { "gp" }
    /// The last fit (as `GPFit` optimises it: log η…, log scale, log(noise − minimum)), the next
    /// fit's first starting point.
    var lastFit: [Double]?

    public init(options: GPOptions = GPOptions()) { self.options = options }

    /// Encode the observations, standardise their values, fit the kernel, believe the running
    /// trials, and propose the point of highest acquisition that the study has not run.
    public mutating func sample(_ context: SamplingContext) -> Params? {
        let encoding = GPEncoding(space: context.space)
        let (x, values) = encoding.observations(context)
        guard context.completed.count >= max(2, options.nStartupTrials), x.count >= 2 else { return startup(context, encoding) }
        let y = GPFit.standardised(values)
        let pairs = PairDifferences(x: x, categorical: encoding.categorical)
        let (fit, raw) = GPFit.fit(x: x, y: y, categorical: encoding.categorical, pairs: pairs, start: lastFit)
        lastFit = raw
        guard let gp = GaussianProcess(x: x, y: y, categorical: encoding.categorical, parameters: fit, pairs: pairs) else {
            return RandomSampler().sample(context)
        }
        // Running trials are believed to come out at the posterior mean.
        let believing = gp.believing(context.running.compactMap(encoding.encode))
        let acquisition = Acquisition(gp: believing, best: y.max()!)
        let search = AcquisitionSearch(encoding: encoding, acquisition: acquisition, options: options)
        var g = context.makeGenerator(salt: 0x6A09_E667)
        let found = search.run(observedBest: y.indices.max(by: { y[$0] < y[$1] }).map { x[$0] }, using: &g)
        func fresh(_ u: [Double]) -> Params? {
            let params = encoding.decode(u)
            return context.excluded.contains(ParamKey(params, space: context.space)) ? nil : params
        }
        // Every optimum already ran: the best candidate that did not; every one ran: random search.
        return found.optima.lazy.compactMap(fresh).first ?? found.candidatesBestFirst.compactMap(fresh).first
            ?? RandomSampler().sample(context)
    }

    /// A first proposal: trial n takes point n of the Sobol' sequence scrambled by the study's
    /// seed; random on a retry (the point was refused), past 21 parameters, or when asked.
    func startup(_ context: SamplingContext, _ encoding: GPEncoding) -> Params? {
        guard options.sobolStartup, context.attempt == 0, context.trialNumber >= 0,
              let sobol = Sobol(dimension: context.space.parameters.count, scrambleSeed: SeededGenerator.mix(context.seed ^ 0x50B0_1000)) else {
            return RandomSampler().sample(context)
        }
        let u = zip(sobol.point(context.trialNumber), context.space.parameters).map { x, p -> Double in
            if case .categorical(let choices) = p.distribution { return Double(min(Int(x * Double(choices.count)), choices.count - 1)) }
            return x
        }
        let params = encoding.decode(u)
        return context.excluded.contains(ParamKey(params, space: context.space)) ? RandomSampler().sample(context) : params
    }
}
