import Foundation

// Fitting the process to the observations: the kernel's parameters by maximum a posteriori (the
// log marginal likelihood and its gradient, plus Optuna GPSampler's prior), found by L-BFGS.

/// The kernel's hyperparameters by maximum a posteriori: L-BFGS on their logs.
enum GPFit {
    static let minimumNoise = 1e-6

    /// Values standardised to mean 0 and standard deviation 1: the prior's scales assume them.
    static func standardised(_ values: [Double]) -> [Double] {
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = max(Sample.std(values) ?? 1, 1e-9)
        return values.map { ($0 - mean) / sd }
    }

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

extension GaussianProcess {
    /// log p(y | x, θ) = −½ yᵀK⁻¹y − ½ log det K − n/2 log 2π.
    public var logMarginalLikelihood: Double {
        let fit = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        return -0.5 * fit - 0.5 * cholesky.logDeterminant - 0.5 * Double(x.count) * log(2 * Double.pi)
    }

    /// ∂ log p / ∂ log θ for θ = (η₁…η_d, scale, noise): ½ tr((ααᵀ − K⁻¹) ∂K/∂ log θ).
    public var logMarginalLikelihoodGradient: [Double] {
        let n = x.count, d = parameters.inverseSquaredLengthscales.count
        let kInv = cholesky.inverse()
        var grad = [Double](repeating: 0, count: d + 2)
        let eta = parameters.inverseSquaredLengthscales, scale = parameters.kernelScale
        pairs.values.withUnsafeBufferPointer { diffs in
            var at = 0
            for i in 0..<n {
                for j in 0...i {
                    // The pair stands for (i, j) and (j, i).
                    let w = (i == j ? 0.5 : 1) * (alpha[i] * alpha[j] - kInv[i * n + j])
                    var r2 = 0.0
                    for e in 0..<d { r2 += eta[e] * diffs[at + e] }
                    // ∂K/∂ log ηₖ = scale · m'(r²) · ηₖ dₖ;  ∂K/∂ log scale = K (without noise).
                    let dm = w * scale * Matern52.derivative(squaredDistance: r2)
                    for e in 0..<d { grad[e] += dm * eta[e] * diffs[at + e] }
                    grad[d] += w * scale * Matern52.value(squaredDistance: r2)
                    if i == j { grad[d + 1] += w * parameters.noiseVariance }
                    at += d
                }
            }
        }
        return grad
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
