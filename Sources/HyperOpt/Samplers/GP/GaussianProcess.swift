import Foundation

// The Gaussian process behind `sampler: gp` (issue 15), in the spirit of Optuna's GPSampler:
// a Matérn-5/2 kernel with one length scale per input (automatic relevance determination),
// categorical inputs compared by Hamming distance, a noise term, and the posterior at a point.
// Fitting the kernel's parameters is in Fit.swift, the posterior at many points at once in
// Speed/BatchPosterior.swift. Linear algebra is a small Cholesky of our own: the matrices
// have at most a few hundred rows (one per run), where a hand-written O(n³/3) factorisation
// takes well under a millisecond and needs no system library.

/// A dense symmetric positive-definite matrix's Cholesky factor, row-major, lower triangle.
public struct Cholesky: Sendable {
    public let n: Int
    /// L, with L·Lᵀ = A; entries above the diagonal are 0.
    public private(set) var l: [Double]

    /// nil when `a` (n×n, row-major) is not positive definite.
    public init?(_ a: [Double], n: Int) {
        precondition(a.count == n * n)
        self.n = n
        var l = [Double](repeating: 0, count: n * n)
        let ok = l.withUnsafeMutableBufferPointer { l -> Bool in
            a.withUnsafeBufferPointer { a in
                for i in 0..<n {
                    for j in 0...i {
                        var s = a[i * n + j]
                        for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                        if i == j {
                            guard s > 0, s.isFinite else { return false }
                            l[i * n + i] = s.squareRoot()
                        } else {
                            l[i * n + j] = s / l[j * n + j]
                        }
                    }
                }
                return true
            }
        }
        guard ok else { return nil }
        self.l = l
    }

    /// Solves L·y = b.
    public func solveLower(_ b: [Double]) -> [Double] {
        var y = b
        let n = n
        l.withUnsafeBufferPointer { l in
            y.withUnsafeMutableBufferPointer { y in
                for i in 0..<n {
                    var s = y[i]
                    for k in 0..<i { s -= l[i * n + k] * y[k] }
                    y[i] = s / l[i * n + i]
                }
            }
        }
        return y
    }

    /// Solves Lᵀ·x = y.
    public func solveUpper(_ y: [Double]) -> [Double] {
        var x = y
        let n = n
        l.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var s = x[i]
                    for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
                    x[i] = s / l[i * n + i]
                }
            }
        }
        return x
    }

    /// Solves A·x = b.
    public func solve(_ b: [Double]) -> [Double] { solveUpper(solveLower(b)) }

    /// log det A = 2 Σ log Lᵢᵢ.
    public var logDeterminant: Double { (0..<n).reduce(0) { $0 + 2 * log(l[$1 * n + $1]) } }

    /// A⁻¹ (for the gradient's trace term), as L⁻ᵀL⁻¹ from the triangular inverse.
    public func inverse() -> [Double] {
        var m = [Double](repeating: 0, count: n * n) // M = L⁻¹, lower
        for j in 0..<n {
            m[j * n + j] = 1 / l[j * n + j]
            for i in (j + 1)..<max(j + 1, n) {
                var s = 0.0
                for k in j..<i { s -= l[i * n + k] * m[k * n + j] }
                m[i * n + j] = s / l[i * n + i]
            }
        }
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in i..<n { s += m[k * n + i] * m[k * n + j] }
                out[i * n + j] = s
                out[j * n + i] = s
            }
        }
        return out
    }
}

/// The kernel's parameters: k(x, x') = scale · m(r), m the Matérn-5/2 function of
/// r² = Σᵢ ηᵢ dᵢ², with ηᵢ the inverse squared length scales and dᵢ the difference on a numeric
/// input, or 1 when two categorical values differ (0 when equal).
public struct GPParameters: Sendable, Hashable {
    public var inverseSquaredLengthscales: [Double]
    public var kernelScale: Double
    public var noiseVariance: Double

    public init(inverseSquaredLengthscales: [Double], kernelScale: Double, noiseVariance: Double) {
        self.inverseSquaredLengthscales = inverseSquaredLengthscales
        self.kernelScale = kernelScale
        self.noiseVariance = noiseVariance
    }

    /// The parameters as the optimiser sees them: logs (η₁…η_d, scale, noise).
    public var logs: [Double] { inverseSquaredLengthscales.map(log) + [log(kernelScale), log(noiseVariance)] }

    public init(logs: [Double]) {
        let d = logs.count - 2
        self.init(inverseSquaredLengthscales: logs[..<d].map(exp), kernelScale: exp(logs[d]), noiseVariance: exp(logs[d + 1]))
    }
}

public enum Matern52 {
    /// m(r) for r² given: (1 + √5 r + 5/3 r²) e^(−√5 r).
    public static func value(squaredDistance r2: Double) -> Double {
        let r = r2.squareRoot()
        let s5r = 5.0.squareRoot() * r
        return (1 + s5r + 5.0 / 3.0 * r2) * exp(-s5r)
    }

    /// dm/d(r²) = −5/6 (1 + √5 r) e^(−√5 r).
    public static func derivative(squaredDistance r2: Double) -> Double {
        let s5r = (5 * r2).squareRoot()
        return -5.0 / 6.0 * (1 + s5r) * exp(-s5r)
    }
}

/// The per-input squared differences of every pair of points (i ≥ j), which do not depend on the
/// kernel's parameters: made once per fit and shared by every evaluation of the likelihood.
public struct PairDifferences: Sendable {
    public let n: Int
    public let d: Int
    /// Pair (i, j), i ≥ j, is at i(i+1)/2 + j; its d differences follow each other.
    let values: [Double]

    public init(x: [[Double]], categorical: [Bool]) {
        let n = x.count, d = categorical.count
        var values = [Double](repeating: 0, count: n * (n + 1) / 2 * d)
        var at = 0
        for i in 0..<n {
            for j in 0...i {
                for k in 0..<d {
                    let diff = x[i][k] - x[j][k]
                    values[at] = categorical[k] ? (diff == 0 ? 0 : 1) : diff * diff
                    at += 1
                }
            }
        }
        self.n = n
        self.d = d
        self.values = values
    }
}

/// A Gaussian process fitted to points `x` (n × d, inputs in [0, 1], categorical inputs as
/// their choice's index) with values `y` (standardised by the caller).
public struct GaussianProcess: Sendable {
    public let x: [[Double]]
    public let y: [Double]
    public let categorical: [Bool]
    public let parameters: GPParameters
    let pairs: PairDifferences
    let cholesky: Cholesky
    /// The points row after row (n × d), for the hot loops.
    let flat: [Double]
    /// K⁻¹ y.
    let alpha: [Double]

    /// nil when the kernel matrix is not positive definite (duplicate points and no noise).
    public init?(x: [[Double]], y: [Double], categorical: [Bool], parameters: GPParameters, pairs: PairDifferences? = nil) {
        let n = x.count, d = categorical.count
        let pairs = pairs ?? PairDifferences(x: x, categorical: categorical)
        precondition(pairs.n == n && pairs.d == d)
        var k = [Double](repeating: 0, count: n * n)
        let eta = parameters.inverseSquaredLengthscales
        pairs.values.withUnsafeBufferPointer { diffs in
            var at = 0
            for i in 0..<n {
                for j in 0...i {
                    var r2 = 0.0
                    for e in 0..<d { r2 += eta[e] * diffs[at + e] }
                    at += d
                    var v = parameters.kernelScale * Matern52.value(squaredDistance: r2)
                    if i == j { v += parameters.noiseVariance }
                    k[i * n + j] = v
                    k[j * n + i] = v
                }
            }
        }
        guard let c = Cholesky(k, n: n) else { return nil }
        self.x = x
        self.y = y
        self.categorical = categorical
        self.parameters = parameters
        self.pairs = pairs
        flat = x.flatMap { $0 }
        cholesky = c
        alpha = c.solve(y)
    }

    /// The posterior of the latent function (no noise) at a point, and when asked the gradients
    /// of its mean and variance in the point's numeric inputs (0 on categorical ones).
    public struct Posterior: Sendable {
        public var mean: Double
        public var variance: Double
        /// Empty unless the gradient was asked for.
        public var dMean: [Double]
        public var dVariance: [Double]
    }

    /// The posterior at `point`, with the gradients when `gradient` is set (the local search's
    /// climb needs them; scoring a point does not).
    public func posterior(at point: [Double], gradient: Bool = false) -> Posterior {
        let n = x.count, d = categorical.count
        let eta = parameters.inverseSquaredLengthscales, scale = parameters.kernelScale
        var kStar = [Double](repeating: 0, count: n)
        // ∂k(x*, xᵢ)/∂r² per point, for the gradient.
        var dk = [Double](repeating: 0, count: gradient ? n : 0)
        var mean = 0.0, quad = 0.0
        flat.withUnsafeBufferPointer { xs in
        cholesky.l.withUnsafeBufferPointer { l in
        kStar.withUnsafeMutableBufferPointer { v in
            for i in 0..<n {
                var r2 = 0.0
                for e in 0..<d {
                    let diff = point[e] - xs[i * d + e]
                    r2 += eta[e] * (categorical[e] ? (diff == 0 ? 0 : 1) : diff * diff)
                }
                let k = scale * Matern52.value(squaredDistance: r2)
                if gradient { dk[i] = scale * Matern52.derivative(squaredDistance: r2) }
                mean += k * alpha[i]
                // Forward substitution in place: v = L⁻¹ k*.
                var s = k
                for j in 0..<i { s -= l[i * n + j] * v[j] }
                let vi = s / l[i * n + i]
                v[i] = vi
                quad += vi * vi
            }
        }
        }
        }
        let variance = max(scale - quad, 1e-12)
        guard gradient else { return Posterior(mean: mean, variance: variance, dMean: [], dVariance: []) }
        // ∂k/∂x*ₑ = dk · 2ηₑ(x*ₑ − xᵢₑ); ∂μ = Σ αᵢ ∂kᵢ; ∂σ² = −2 Σ (K⁻¹k*)ᵢ ∂kᵢ.
        let w = cholesky.solveUpper(kStar)
        var dMean = [Double](repeating: 0, count: d), dVariance = [Double](repeating: 0, count: d)
        flat.withUnsafeBufferPointer { xs in
            for i in 0..<n {
                let a = alpha[i] * dk[i], b = -2 * w[i] * dk[i]
                for e in 0..<d where !categorical[e] {
                    let g = 2 * eta[e] * (point[e] - xs[i * d + e])
                    dMean[e] += a * g
                    dVariance[e] += b * g
                }
            }
        }
        return Posterior(mean: mean, variance: variance, dMean: dMean, dVariance: dVariance)
    }

    /// This process with `points` added one after another, each believed to come out at the
    /// posterior mean so far (kriging believer): running trials enter so, and the proposals of
    /// one moment differ. A point that would make the matrix fail is kept for the next one's
    /// fit but leaves the process as it was.
    public func believing(_ points: [[Double]]) -> GaussianProcess {
        var gp = self, believedX = x, believedY = y
        for u in points {
            believedX.append(u)
            believedY.append(gp.posterior(at: u).mean)
            if let next = GaussianProcess(x: believedX, y: believedY, categorical: categorical, parameters: parameters) { gp = next }
        }
        return gp
    }
}
