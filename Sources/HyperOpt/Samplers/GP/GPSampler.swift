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

/// Points of a search space in the unit cube, as the GP sees them: a float or int in [0, 1] (log
/// parameters in log space), a categorical parameter as its choice's index.
public struct GPEncoding: Sendable {
    public let space: SearchSpace
    public var categorical: [Bool] { space.parameters.map { if case .categorical = $0.distribution { return true } else { return false } } }
    /// Whether some point of the cube stands for no value of its own (an int, a step): then points
    /// are snapped to the values they stand for before the acquisition sees them.
    public var isDiscrete: Bool {
        space.parameters.contains {
            switch $0.distribution {
            case .int: return true
            case .float(_, _, _, let step): return step != nil
            case .categorical: return false
            }
        }
    }

    public init(space: SearchSpace) { self.space = space }

    public func encode(_ params: Params) -> [Double]? {
        var out: [Double] = []
        for p in space.parameters {
            guard let v = params[p.name] else { return nil }
            switch p.distribution {
            case .float(let lo, let hi, let log, _):
                guard let x = v.number else { return nil }
                out.append(Self.unit(x, Double(lo), Double(hi), log))
            case .int(let lo, let hi, let log, _):
                guard let x = v.number else { return nil }
                out.append(Self.unit(x, Double(lo), Double(hi), log))
            case .categorical(let choices):
                guard let i = choices.firstIndex(of: v) else { return nil }
                out.append(Double(i))
            }
        }
        return out
    }

    /// The parameter values a point stands for: steps and integers rounded, choices by index,
    /// as every sampler snaps them (`Distribution.toExternal`).
    public func decode(_ u: [Double]) -> Params {
        var out = Params()
        for (p, x) in zip(space.parameters, u) {
            switch p.distribution {
            case .float(let lo, let hi, let log, _):
                out[p.name] = p.distribution.toExternal(Self.value(min(max(x, 0), 1), lo, hi, log))
            case .int(let lo, let hi, let log, _):
                out[p.name] = p.distribution.toExternal(Self.value(min(max(x, 0), 1), Double(lo), Double(hi), log))
            case .categorical:
                out[p.name] = p.distribution.toExternal(x)
            }
        }
        return out
    }

    static func unit(_ x: Double, _ lo: Double, _ hi: Double, _ log: Bool) -> Double {
        guard hi > lo else { return 0.5 }
        return log ? (Foundation.log(x) - Foundation.log(lo)) / (Foundation.log(hi) - Foundation.log(lo)) : (x - lo) / (hi - lo)
    }

    static func value(_ u: Double, _ lo: Double, _ hi: Double, _ log: Bool) -> Double {
        log ? exp(Foundation.log(lo) + u * (Foundation.log(hi) - Foundation.log(lo))) : lo + u * (hi - lo)
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

    public mutating func sample(_ context: SamplingContext) -> Params? {
        let encoding = GPEncoding(space: context.space)
        // A set's repeats enter as its runs, not as one mean: the noise term learns the seed noise.
        let observed = context.runs.isEmpty ? context.completed : context.runs
        let points = observed.compactMap { o -> ([Double], Double)? in
            guard o.value.isFinite, let u = encoding.encode(o.params) else { return nil }
            return (u, context.direction == .maximize ? o.value : -o.value)
        }
        guard context.completed.count >= max(2, options.nStartupTrials), points.count >= 2 else { return startup(context, encoding) }
        // Standardised values: the prior's scales assume them.
        let ys = points.map(\.1)
        let mean = ys.reduce(0, +) / Double(ys.count)
        let sd = max(Sample.std(ys) ?? 1, 1e-9)
        let y = ys.map { ($0 - mean) / sd }
        let x = points.map(\.0)
        let categorical = encoding.categorical
        let pairs = PairDifferences(x: x, categorical: categorical)
        let (fit, raw) = GPFit.fit(x: x, y: y, categorical: categorical, pairs: pairs, start: lastFit)
        lastFit = raw
        guard var gp = GaussianProcess(x: x, y: y, categorical: categorical, parameters: fit, pairs: pairs) else {
            return RandomSampler().sample(context)
        }
        let best = y.max()!
        // Running trials are believed to come out at the posterior mean.
        var believedX = x, believedY = y
        for r in context.running {
            guard let u = encoding.encode(r) else { continue }
            believedX.append(u)
            believedY.append(gp.predict(u).mean)
            if let next = GaussianProcess(x: believedX, y: believedY, categorical: categorical, parameters: fit) { gp = next }
        }
        var g = context.makeGenerator(salt: 0x6A09_E667)
        let excluded = context.excluded
        func acquisition(_ u: [Double]) -> Double {
            let p = gp.predict(u)
            return logExpectedImprovement(mean: p.mean, variance: p.variance, best: best)
        }
        func acquisitionWithGradient(_ u: [Double]) -> (Double, [Double]) {
            let p = gp.predictWithGradient(u)
            let a = logExpectedImprovementWithDerivatives(mean: p.mean, variance: p.variance, best: best)
            let sigma = p.variance.squareRoot()
            return (a.value, zip(p.dMean, p.dVariance).map { a.dMean * $0 + a.dSigma * $1 / (2 * sigma) })
        }
        func random() -> [Double] {
            context.space.parameters.map { p in
                if case .categorical(let choices) = p.distribution { return Double(Int(g.unit() * Double(choices.count)) % choices.count) }
                return g.unit()
            }
        }
        // Candidates snapped to the space (steps, integers), so the acquisition is of real values.
        let discrete = encoding.isDiscrete
        func snap(_ u: [Double]) -> [Double] { discrete ? encoding.encode(encoding.decode(u)) ?? u : u }
        let candidates = (0..<options.nCandidates).map { _ in snap(random()) }
        let posterior = gp.predictBatch(candidates)
        let scores = candidates.indices.map { i in
            logExpectedImprovement(mean: posterior.means[i], variance: posterior.variances[i], best: best)
        }
        // Starts: the best point observed, the best candidate, then a roulette draw without
        // replacement among the others, weights exp(acquisition − best candidate's)
        // (Efraimidis–Spirakis keys: the largest log(u)/w win).
        var starts: [([Double], Double)] = []
        if let top = y.indices.max(by: { y[$0] < y[$1] }) { starts.append((x[top], acquisition(x[top]))) }
        let first = scores.indices.max { scores[$0] < scores[$1] }
        if let first { starts.append((candidates[first], scores[first])) }
        if let first, options.nLocalSearch > starts.count {
            var keyed: [(Double, Int)] = []
            for i in scores.indices where i != first {
                let w = exp(scores[i] - scores[first])
                guard w > 0 else { continue }
                keyed.append((log(max(g.unit(), 1e-300)) / w, i))
            }
            keyed.sort { $0.0 > $1.0 }
            starts += keyed.prefix(options.nLocalSearch - starts.count).map { (candidates[$0.1], scores[$0.1]) }
        }
        var refined: [([Double], Double)] = []
        for (start, value) in starts {
            refined.append(localOptimum(start, value, categorical: categorical, space: context.space, snap: snap,
                                        acquisition: acquisition, gradient: acquisitionWithGradient))
        }
        for (u, _) in refined.sorted(by: { $0.1 > $1.1 }) {
            let params = encoding.decode(u)
            if !excluded.contains(ParamKey(params, space: context.space)) { return params }
        }
        // Every refined point is taken: the best candidate that is not.
        for i in scores.indices.sorted(by: { scores[$0] > scores[$1] }) {
            let params = encoding.decode(candidates[i])
            if !excluded.contains(ParamKey(params, space: context.space)) { return params }
        }
        return RandomSampler().sample(context)
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

    /// A local optimum of the acquisition from `start`: bounded L-BFGS on the numeric inputs
    /// (in the unit cube), then every choice of each categorical
    /// input, alternating while either improves; the result snapped to the space's steps.
    func localOptimum(_ start: [Double], _ startValue: Double, categorical: [Bool], space: SearchSpace,
                      snap: ([Double]) -> [Double], acquisition: ([Double]) -> Double,
                      gradient: ([Double]) -> (Double, [Double])) -> ([Double], Double) {
        var u = start, value = startValue
        let numeric = categorical.indices.filter { !categorical[$0] }
        for _ in 0..<3 {
            let before = value
            if !numeric.isEmpty { (u, value) = Self.boundedAscent(u, value, numeric: numeric, gradient: gradient) }
            for i in categorical.indices where categorical[i] {
                guard case .categorical(let choices) = space.parameters[i].distribution else { continue }
                for c in choices.indices.map(Double.init) where c != u[i] {
                    var t = u
                    t[i] = c
                    let v = acquisition(t)
                    if v > value { (u, value) = (t, v) }
                }
            }
            if value <= before + 1e-9 { break }
        }
        let snapped = snap(u)
        return (snapped, acquisition(snapped))
    }

    /// L-BFGS on −acquisition over the `numeric` inputs, kept in [0, 1] by evaluating at the
    /// clamped point and zeroing the gradient where a bound holds it (a light form of
    /// L-BFGS-B, which Optuna uses here); other inputs stay as they are.
    static func boundedAscent(_ start: [Double], _ startValue: Double, numeric: [Int], gradient: ([Double]) -> (Double, [Double])) -> ([Double], Double) {
        let isNumeric = (0..<start.count).map { numeric.contains($0) }
        func clamp(_ z: [Double]) -> [Double] { z.indices.map { isNumeric[$0] ? min(max(z[$0], 0), 1) : z[$0] } }
        let result = LBFGS.minimize(start, iterations: 30, gradientTolerance: 1e-4) { z in
            let (v, g) = gradient(clamp(z))
            guard v.isFinite else { return nil }
            var descent = [Double](repeating: 0, count: z.count)
            for i in numeric {
                let d = -g[i]
                // At a bound that the ascent pushes against, the coordinate stays put.
                if (z[i] <= 0 && d > 0) || (z[i] >= 1 && d < 0) { continue }
                descent[i] = d
            }
            return (-v, descent)
        }
        guard let (z, f) = result, -f >= startValue else { return (start, startValue) }
        return (clamp(z), -f)
    }
}

/// The kernel's hyperparameters by maximum a posteriori: L-BFGS on their logs.
enum GPFit {
    static let minimumNoise = 1e-6

    /// Optuna GPSampler's prior on the kernel's parameters (up to constants): on each inverse
    /// squared length scale η, −(0.1/η + 0.1 η); on the scale, Gamma(2, 1); on the noise, Gamma(1.1, 30).
    static func logPrior(_ p: GPParameters) -> (value: Double, gradient: [Double]) {
        var v = 0.0
        var grad: [Double] = []
        for e in p.inverseSquaredLengthscales {
            v += -(0.1 / e + 0.1 * e)
            grad.append(0.1 / e - 0.1 * e)
        }
        v += log(p.kernelScale) - p.kernelScale
        grad.append(1 - p.kernelScale)
        v += 0.1 * log(p.noiseVariance) - 30 * p.noiseVariance
        grad.append(0.1 - 30 * p.noiseVariance)
        return (v, grad)
    }

    /// The parameters of an optimiser's point, as Optuna's GPSampler reads its own: log η…,
    /// log scale, and log(noise − minimum), so the noise stays above the minimum smoothly.
    static func parameters(raw: [Double]) -> GPParameters {
        var logs = raw
        logs[raw.count - 1] = log(exp(raw[raw.count - 1]) + minimumNoise)
        return GPParameters(logs: logs)
    }

    /// −(log p(y | θ) + log prior(θ)) and its gradient in the raw parameters; nil where the
    /// matrix fails.
    static func objective(_ raw: [Double], x: [[Double]], y: [Double], categorical: [Bool], pairs: PairDifferences) -> (Double, [Double])? {
        let p = parameters(raw: raw)
        guard let gp = GaussianProcess(x: x, y: y, categorical: categorical, parameters: p, pairs: pairs) else { return nil }
        let prior = logPrior(p)
        let value = -(gp.logMarginalLikelihood + prior.value)
        var grad = zip(gp.logMarginalLikelihoodGradient, prior.gradient).map { -($0 + $1) }
        // ∂/∂raw = ∂/∂ log noise · (noise − minimum)/noise.
        grad[grad.count - 1] *= exp(raw[raw.count - 1]) / p.noiseVariance
        guard value.isFinite, grad.allSatisfy(\.isFinite) else { return nil }
        return (value, grad)
    }

    /// From the last fit when there is one (as Optuna's GPSampler does), from a default otherwise
    /// or when that fails.
    /// The default start is Optuna's: every parameter 1. Returns the fit and its raw form.
    static func fit(x: [[Double]], y: [Double], categorical: [Bool], pairs: PairDifferences, start: [Double]?) -> (GPParameters, [Double]) {
        let d = categorical.count
        let defaultStart = [Double](repeating: 0, count: d) + [0, log(1 - minimumNoise)]
        var best: ([Double], Double)?
        for s in [start, defaultStart].compactMap({ $0 }) where s.count == d + 2 && best == nil {
            best = LBFGS.minimize(s, iterations: 100, gradientTolerance: 1e-2,
                                  { objective($0, x: x, y: y, categorical: categorical, pairs: pairs) })
        }
        let raw = best?.0 ?? defaultStart
        return (parameters(raw: raw), raw)
    }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search.
enum LBFGS {
    /// Stops when the gradient's largest component is under `gradientTolerance` (Optuna's
    /// GPSampler fits with scipy's L-BFGS-B at gtol 1e-2), or the value stalls.
    static func minimize(_ start: [Double], iterations: Int, memory: Int = 8, gradientTolerance: Double = 1e-6, _ f: ([Double]) -> (Double, [Double])?) -> ([Double], Double)? {
        guard var (fx, gx) = f(start) else { return nil }
        if gx.map(abs).max() ?? 0 < gradientTolerance { return (start, fx) }
        var x = start
        var s: [[Double]] = [], yv: [[Double]] = []
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for _ in 0..<iterations {
            // Two-loop recursion: d = −H g.
            var q = gx
            var alphas: [Double] = []
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                let rho = 1 / dot(yv[i], s[i])
                let a = rho * dot(s[i], q)
                alphas.append(a)
                q = zip(q, yv[i]).map { $0 - a * $1 }
            }
            if let last = s.indices.last {
                let gamma = dot(s[last], yv[last]) / dot(yv[last], yv[last])
                q = q.map { $0 * gamma }
            }
            for (k, i) in s.indices.enumerated() {
                let rho = 1 / dot(yv[i], s[i])
                let b = rho * dot(yv[i], q)
                q = zip(q, s[i]).map { $0 + (alphas[alphas.count - 1 - k] - b) * $1 }
            }
            var dir = q.map { -$0 }
            if dot(dir, gx) >= 0 { dir = gx.map { -$0 } }
            var t = 1.0
            var accepted: ([Double], Double, [Double])?
            for _ in 0..<30 {
                let xn = zip(x, dir).map { $0 + t * $1 }
                if let (fn, gn) = f(xn), fn <= fx + 1e-4 * t * dot(gx, dir) {
                    accepted = (xn, fn, gn)
                    break
                }
                t *= 0.5
            }
            guard let (xn, fn, gn) = accepted else { break }
            let sk = zip(xn, x).map { $0 - $1 }, yk = zip(gn, gx).map { $0 - $1 }
            if dot(sk, yk) > 1e-12 {
                s.append(sk)
                yv.append(yk)
                if s.count > memory { s.removeFirst(); yv.removeFirst() }
            }
            let change = abs(fx - fn)
            x = xn
            fx = fn
            gx = gn
            if change < 1e-9 * max(1, abs(fx)) || gx.map(abs).max()! < gradientTolerance { break }
        }
        return (x, fx)
    }
}
