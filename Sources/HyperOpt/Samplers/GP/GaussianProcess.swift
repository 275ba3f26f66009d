import Foundation

// The Gaussian process behind `sampler: gp` (issue 15), in the spirit of Optuna's GPSampler:
// a Matérn-5/2 kernel with one length scale per input (automatic relevance determination),
// categorical inputs compared by Hamming distance, a noise term, and the log marginal likelihood
// with its gradient for fitting. Linear algebra is a small Cholesky of our own: the matrices
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
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        self.l = l
    }

    /// Solves L·y = b.
    public func solveLower(_ b: [Double]) -> [Double] {
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        return y
    }

    /// Solves Lᵀ·x = y.
    public func solveUpper(_ y: [Double]) -> [Double] {
        var x = y
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
            x[i] = s / l[i * n + i]
        }
        return x
    }

    /// Solves A·x = b.
    public func solve(_ b: [Double]) -> [Double] { solveUpper(solveLower(b)) }

    /// log det A = 2 Σ log Lᵢᵢ.
    public var logDeterminant: Double { (0..<n).reduce(0) { $0 + 2 * log(l[$1 * n + $1]) } }

    /// A⁻¹ (for the gradient's trace term).
    public func inverse() -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let col = solve(e)
            for i in 0..<n { out[i * n + j] = col[i] }
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

    /// Per-input squared differences of two points (1 or 0 on a categorical input).
    @inline(__always)
    static func differences(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>, categorical: [Bool]) -> [Double] {
        var out = [Double](repeating: 0, count: categorical.count)
        for (k, (i, j)) in zip(a.indices, b.indices).enumerated() {
            let d = a[i] - b[j]
            out[k] = categorical[k] ? (d == 0 ? 0 : 1) : d * d
        }
        return out
    }
}

/// A Gaussian process fitted to points `x` (n × d, inputs in [0, 1], categorical inputs as
/// their choice's index) with values `y` (standardised by the caller).
public struct GaussianProcess: Sendable {
    public let x: [[Double]]
    public let y: [Double]
    public let categorical: [Bool]
    public let parameters: GPParameters
    let cholesky: Cholesky
    /// K⁻¹ y.
    let alpha: [Double]

    /// nil when the kernel matrix is not positive definite (duplicate points and no noise).
    public init?(x: [[Double]], y: [Double], categorical: [Bool], parameters: GPParameters) {
        let n = x.count
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var v = Self.kernel(x[i], x[j], categorical, parameters)
                if i == j { v += parameters.noiseVariance }
                k[i * n + j] = v
                k[j * n + i] = v
            }
        }
        guard let c = Cholesky(k, n: n) else { return nil }
        self.x = x
        self.y = y
        self.categorical = categorical
        self.parameters = parameters
        cholesky = c
        alpha = c.solve(y)
    }

    static func kernel(_ a: [Double], _ b: [Double], _ categorical: [Bool], _ p: GPParameters) -> Double {
        var r2 = 0.0
        for i in a.indices {
            let d = categorical[i] ? (a[i] == b[i] ? 0 : 1) : (a[i] - b[i]) * (a[i] - b[i])
            r2 += p.inverseSquaredLengthscales[i] * d
        }
        return p.kernelScale * Matern52.value(squaredDistance: r2)
    }

    /// The posterior at `point`: mean and variance of the latent function (no noise).
    public func predict(_ point: [Double]) -> (mean: Double, variance: Double) {
        let kStar = x.map { Self.kernel(point, $0, categorical, parameters) }
        let mean = zip(kStar, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let v = cholesky.solveLower(kStar)
        let variance = parameters.kernelScale - v.reduce(0) { $0 + $1 * $1 }
        return (mean, max(variance, 1e-12))
    }

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
        let p = parameters
        for i in 0..<n {
            for j in 0..<n {
                let w = alpha[i] * alpha[j] - kInv[i * n + j]
                guard w != 0 else { continue }
                let diffs = Matern52.differences(x[i][...], x[j][...], categorical: categorical)
                var r2 = 0.0
                for (e, dd) in zip(p.inverseSquaredLengthscales, diffs) { r2 += e * dd }
                let m = Matern52.value(squaredDistance: r2)
                let dm = Matern52.derivative(squaredDistance: r2)
                // ∂K/∂ log ηₖ = scale · m'(r²) · ηₖ dₖ;  ∂K/∂ log scale = K (without noise).
                for kIndex in 0..<d { grad[kIndex] += 0.5 * w * p.kernelScale * dm * p.inverseSquaredLengthscales[kIndex] * diffs[kIndex] }
                grad[d] += 0.5 * w * p.kernelScale * m
                if i == j { grad[d + 1] += 0.5 * w * p.noiseVariance }
            }
        }
        return grad
    }
}

/// The logarithm of expected improvement over `best` (maximising) of a normal N(mean, variance):
/// log(σ (z Φ(z) + φ(z))), z = (mean − best)/σ, computed so that it stays finite and accurate far
/// below the best (where EI underflows): an asymptotic series for z < −30.
public func logExpectedImprovement(mean: Double, variance: Double, best: Double) -> Double {
    let sigma = variance.squareRoot()
    let z = (mean - best) / sigma
    return log(sigma) + logH(z)
}

/// log(z Φ(z) + φ(z)).
func logH(_ z: Double) -> Double {
    let logPhiDensity = -0.5 * z * z - 0.5 * log(2 * Double.pi)
    if z > -30 {
        let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
        let h = z * cdf + exp(logPhiDensity)
        if h > 0 { return log(h) }
    }
    // z Φ(z) + φ(z) = φ(z) / z² · (1 − 3/z² + 15/z⁴ − 105/z⁶ + 945/z⁸ − …) for z → −∞.
    let w = 1 / (z * z)
    let series = 1 - 3 * w + 15 * w * w - 105 * w * w * w + 945 * w * w * w * w
    return logPhiDensity - log(z * z) + log(series)
}
