import Foundation

/// Options of `sampler: gp`.
public struct GPOptions: Sendable, Hashable, Codable {
    /// Random proposals before the GP takes over (Optuna's GPSampler: 10).
    public var nStartupTrials = 10
    /// Random points the acquisition is first evaluated at, before the best few are refined.
    public var nCandidates = 1024
    /// The best candidates refined by local search.
    public var nLocalSearch = 6

    public init(nStartupTrials: Int = 10, nCandidates: Int = 1024, nLocalSearch: Int = 6) {
        self.nStartupTrials = nStartupTrials
        self.nCandidates = nCandidates
        self.nLocalSearch = nLocalSearch
    }
}

/// Points of a search space in the unit cube, as the GP sees them: a float or int in [0, 1] (log
/// parameters in log space), a categorical parameter as its choice's index.
public struct GPEncoding: Sendable {
    public let space: SearchSpace
    public var categorical: [Bool] { space.parameters.map { if case .categorical = $0.distribution { return true } else { return false } } }

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
    /// The last fit, the next fit's first starting point.
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
        guard context.completed.count >= max(2, options.nStartupTrials), points.count >= 2 else { return RandomSampler().sample(context) }
        // Standardised values: the prior's scales assume them.
        let ys = points.map(\.1)
        let mean = ys.reduce(0, +) / Double(ys.count)
        let sd = max(Sample.std(ys) ?? 1, 1e-9)
        let y = ys.map { ($0 - mean) / sd }
        let x = points.map(\.0)
        let categorical = encoding.categorical
        let fit = GPFit.fit(x: x, y: y, categorical: categorical, start: lastFit)
        lastFit = fit.logs
        guard var gp = GaussianProcess(x: x, y: y, categorical: categorical, parameters: fit) else { return RandomSampler().sample(context) }
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
        func random() -> [Double] {
            context.space.parameters.map { p in
                if case .categorical(let choices) = p.distribution { return Double(Int(g.unit() * Double(choices.count)) % choices.count) }
                return g.unit()
            }
        }
        // Candidates snapped to the space (steps, integers), so the acquisition is of real values.
        func snap(_ u: [Double]) -> [Double] { encoding.encode(encoding.decode(u)) ?? u }
        var scored = (0..<options.nCandidates).map { _ -> ([Double], Double) in
            let u = snap(random())
            return (u, acquisition(u))
        }
        scored.sort { $0.1 > $1.1 }
        var refined: [([Double], Double)] = []
        for (start, value) in scored.prefix(options.nLocalSearch) {
            refined.append(localSearch(start, value, categorical: categorical, space: context.space, snap: snap, acquisition: acquisition))
        }
        for (u, _) in (refined + scored).sorted(by: { $0.1 > $1.1 }) {
            let params = encoding.decode(u)
            if !excluded.contains(ParamKey(params, space: context.space)) { return params }
        }
        return RandomSampler().sample(context)
    }

    /// Coordinate search: each numeric input moved by shrinking steps, each categorical input
    /// tried at every choice, while the acquisition improves.
    func localSearch(_ start: [Double], _ startValue: Double, categorical: [Bool], space: SearchSpace,
                     snap: ([Double]) -> [Double], acquisition: ([Double]) -> Double) -> ([Double], Double) {
        var u = start, value = startValue
        for step in [0.1, 0.03, 0.01, 0.003] {
            var improved = true, rounds = 0
            while improved && rounds < 20 {
                improved = false
                rounds += 1
                for i in u.indices {
                    var tries: [Double] = []
                    if categorical[i], case .categorical(let choices) = space.parameters[i].distribution {
                        tries = choices.indices.map(Double.init)
                    } else {
                        tries = [u[i] - step, u[i] + step].map { min(max($0, 0), 1) }
                    }
                    for t in tries where t != u[i] {
                        var c = u
                        c[i] = t
                        c = snap(c)
                        let v = acquisition(c)
                        if v > value + 1e-12 {
                            u = c
                            value = v
                            improved = true
                        }
                    }
                }
            }
        }
        return (u, value)
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

    /// −(log p(y | θ) + log prior(θ)) and its gradient in log θ; nil where the matrix fails.
    static func objective(_ logs: [Double], x: [[Double]], y: [Double], categorical: [Bool]) -> (Double, [Double])? {
        var l = logs
        l[l.count - 1] = max(l[l.count - 1], log(minimumNoise))
        let p = GPParameters(logs: l)
        guard let gp = GaussianProcess(x: x, y: y, categorical: categorical, parameters: p) else { return nil }
        let prior = logPrior(p)
        let value = -(gp.logMarginalLikelihood + prior.value)
        let grad = zip(gp.logMarginalLikelihoodGradient, prior.gradient).map { -($0 + $1) }
        guard value.isFinite, grad.allSatisfy(\.isFinite) else { return nil }
        return (value, grad)
    }

    static func fit(x: [[Double]], y: [Double], categorical: [Bool], start: [Double]?) -> GPParameters {
        let d = categorical.count
        let defaultStart = [Double](repeating: 0, count: d) + [0, log(0.01)]
        var best: ([Double], Double)?
        for s in [start, defaultStart].compactMap({ $0 }) where s.count == d + 2 {
            if let r = LBFGS.minimize(s, iterations: 60, { objective($0, x: x, y: y, categorical: categorical) }),
               best == nil || r.1 < best!.1 {
                best = r
            }
        }
        var logs = best?.0 ?? defaultStart
        logs[d + 1] = max(logs[d + 1], log(minimumNoise))
        return GPParameters(logs: logs)
    }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search.
enum LBFGS {
    static func minimize(_ start: [Double], iterations: Int, memory: Int = 8, _ f: ([Double]) -> (Double, [Double])?) -> ([Double], Double)? {
        guard var (fx, gx) = f(start) else { return nil }
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
            if change < 1e-9 * max(1, abs(fx)) || gx.map(abs).max()! < 1e-6 { break }
        }
        return (x, fx)
    }
}
