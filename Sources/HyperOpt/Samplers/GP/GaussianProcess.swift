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
        let p = predictWithGradient(point, gradient: false)
        return (p.mean, p.variance)
    }

    /// The posterior at `point` and, when asked, the gradients of its mean and variance in the
    /// point's numeric inputs (0 on categorical ones).
    public func predictWithGradient(_ point: [Double], gradient: Bool = true)
        -> (mean: Double, variance: Double, dMean: [Double], dVariance: [Double]) {
        let n = x.count, d = categorical.count
        let eta = parameters.inverseSquaredLengthscales, scale = parameters.kernelScale
        var kStar = [Double](repeating: 0, count: n)
        // ∂k(x*, xᵢ)/∂r² per point, for the gradient.
        var dk = [Double](repeating: 0, count: gradient ? n : 0)
        var mean = 0.0, quad = 0.0
        flat.withUnsafeBufferPointer { xs in
            eta.withUnsafeBufferPointer { eta in
                categorical.withUnsafeBufferPointer { cat in
                    point.withUnsafeBufferPointer { pt in
                        alpha.withUnsafeBufferPointer { alpha in
                            cholesky.l.withUnsafeBufferPointer { l in
                                kStar.withUnsafeMutableBufferPointer { v in
                                    for i in 0..<n {
                                        var r2 = 0.0
                                        for e in 0..<d {
                                            let diff = pt[e] - xs[i * d + e]
                                            r2 += eta[e] * (cat[e] ? (diff == 0 ? 0 : 1) : diff * diff)
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
                    }
                }
            }
        }
        let variance = max(scale - quad, 1e-12)
        guard gradient else { return (mean, variance, [], []) }
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
        return (mean, variance, dMean, dVariance)
    }

    /// The posterior at many points at once (the acquisition's candidates): the same values as
    /// `predict` (to rounding), computed block by block with the candidates along contiguous
    /// rows, so every inner loop is an axpy the compiler vectorises: the kernel, its exponential
    /// (`simdExp`), and the triangular solve L V = K* for all of the block's candidates at once.
    public func predictBatch(_ points: [[Double]]) -> (means: [Double], variances: [Double]) {
        let n = x.count, d = categorical.count, m = points.count
        var means = [Double](repeating: 0, count: m), variances = [Double](repeating: 0, count: m)
        guard n > 0, m > 0 else { return (means, variances.map { _ in parameters.kernelScale }) }
        let eta = parameters.inverseSquaredLengthscales, scale = parameters.kernelScale
        let block = 256
        var inputs = [Double](repeating: 0, count: d * block) // input e of candidate c at e * block + c
        var v = [Double](repeating: 0, count: n * block)       // row i: (L⁻¹ k*)ᵢ of every candidate
        var r2 = [Double](repeating: 0, count: block)
        var quad = [Double](repeating: 0, count: block), mean = [Double](repeating: 0, count: block)
        inputs.withUnsafeMutableBufferPointer { inputs in
        v.withUnsafeMutableBufferPointer { v in
        r2.withUnsafeMutableBufferPointer { r2 in
        quad.withUnsafeMutableBufferPointer { quad in
        mean.withUnsafeMutableBufferPointer { mean in
        flat.withUnsafeBufferPointer { xs in
        cholesky.l.withUnsafeBufferPointer { l in
            var start = 0
            while start < m {
                let count = min(block, m - start)
                let padded = (count + 3) / 4 * 4
                for c in 0..<block {
                    for e in 0..<d { inputs[e * block + c] = c < count ? points[start + c][e] : 0 }
                    quad[c] = 0
                    mean[c] = 0
                }
                for i in 0..<n {
                    for c in 0..<padded { r2[c] = 0 }
                    for e in 0..<d {
                        let xe = xs[i * d + e], w = eta[e]
                        let row = e * block
                        if categorical[e] {
                            for c in 0..<padded { r2[c] += inputs[row + c] == xe ? 0 : w }
                        } else {
                            for c in 0..<padded {
                                let diff = inputs[row + c] - xe
                                r2[c] += w * diff * diff
                            }
                        }
                    }
                    let vi = i * block
                    let a = alpha[i]
                    var c = 0
                    while c < padded {
                        let q = SIMD4<Double>(r2[c], r2[c + 1], r2[c + 2], r2[c + 3])
                        let s5r = (5 * q).squareRoot()
                        let k = scale * (1 + s5r + 5.0 / 3.0 * q) * simdExp(-s5r)
                        for lane in 0..<4 {
                            v[vi + c + lane] = k[lane]
                            mean[c + lane] += a * k[lane]
                        }
                        c += 4
                    }
                    // Forward substitution, row i for every candidate: vᵢ = (k*ᵢ − Σⱼ Lᵢⱼ vⱼ) / Lᵢᵢ.
                    for j in 0..<i {
                        let lij = l[i * n + j]
                        let vj = j * block
                        for c in 0..<padded { v[vi + c] -= lij * v[vj + c] }
                    }
                    let inv = 1 / l[i * n + i]
                    for c in 0..<padded {
                        let t = v[vi + c] * inv
                        v[vi + c] = t
                        quad[c] += t * t
                    }
                }
                for c in 0..<count {
                    means[start + c] = mean[c]
                    variances[start + c] = max(scale - quad[c], 1e-12)
                }
                start += count
            }
        }
        }
        }
        }
        }
        }
        }
        return (means, variances)
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

/// log EI and its derivatives in the posterior's mean and standard deviation, for the local
/// optimiser: with z = (μ − best)/σ and r = Φ(z)/h(z), ∂/∂μ = r/σ and ∂/∂σ = (1 − r z)/σ.
func logExpectedImprovementWithDerivatives(mean: Double, variance: Double, best: Double) -> (value: Double, dMean: Double, dSigma: Double) {
    let sigma = variance.squareRoot()
    let z = (mean - best) / sigma
    let value = log(sigma) + logH(z)
    var r: Double
    if z > -30 {
        let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
        let h = z * cdf + exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
        r = h > 0 ? cdf / h : -z
    } else {
        // Φ(z) ≈ φ(z)/(−z) (1 − w + 3w²) and h(z) ≈ φ(z)/z² (1 − 3w + 15w²), w = 1/z².
        let w = 1 / (z * z)
        r = -z * (1 - w + 3 * w * w) / (1 - 3 * w + 15 * w * w)
    }
    return (value, r / sigma, (1 - r * z) / sigma)
}

/// e^x in four lanes for x ≤ 0 (the kernel's e^(−√5 r)), to a few ulps: x = k ln 2 + r with
/// |r| ≤ ln 2 / 2 (ln 2 split in two parts, as Cody and Waite), e^r by its Taylor series to r¹²
/// (the next term is under 2e-16), times 2^k built from its bits. Under −700 it gives e^−700.
/// 1/12!, 1/11!, ..., 1/1!, 1/0!.
private let taylorExp: [Double] = (0...12).reversed().map { k in 1 / (1...max(1, k)).reduce(1.0) { $0 * Double($1) } }

@inline(__always)
func simdExp(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let x = x.replacing(with: -700, where: x .< -700)
    let k = (x * 1.4426950408889634).rounded(.toNearestOrEven)
    let r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10
    var p = SIMD4<Double>(repeating: taylorExp[0])
    for c in taylorExp.dropFirst() { p = p * r + c }
    var scale = SIMD4<Double>()
    for lane in 0..<4 { scale[lane] = Double(bitPattern: UInt64(Int64(k[lane]) + 1023) << 52) }
    return p * scale
}
