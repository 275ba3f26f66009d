import Foundation

/// TPE's density model over some parameters: a weighted mixture with one product kernel per
/// observation plus one broad prior kernel (Watanabe 2023, sections 3 and 4; Optuna 5's
/// `_ParzenEstimator`). Numeric kernels are normals truncated to the domain (summed over a grid
/// bin for stepped and int parameters); categorical kernels put extra mass on their own choice.
///
/// Arrays are flat and kernel-major (`[kernel * dims + dim]`) so the per-ask work is a few tight
/// loops over doubles, with no dictionaries.
struct ParzenEstimator: Sendable {
    let domains: [ParameterDomain]
    let kernelCount: Int
    private let dims: Int
    private var mu: [Double]
    private var sigma: [Double]
    private var invSigma: [Double]
    /// Per kernel and dim: the log normaliser of the truncated kernel (continuous dims add
    /// -log σ - log √(2π)). Unused for categorical dims.
    private var logNorm: [Double]
    private var logWeight: [Double]
    private var cumulativeWeight: [Double]
    /// Per categorical dim: log probability of the kernel's own choice, of any other choice, and
    /// of every choice under the prior kernel.
    private var logHit: [Double]
    private var logMiss: [Double]
    private var logUniform: [Double]

    struct Options: Sendable {
        var priorWeight: Double
        var considerMagicClip: Bool
        var considerEndpoints: Bool
    }

    /// - Parameters:
    ///   - rows: internal values, `rows[i * domains.count + j]` for observation i and dim j.
    ///   - weights: one non-negative weight per observation.
    init(domains: [ParameterDomain], rows: [Double], weights: [Double], options: Options) {
        let d = domains.count
        let n = weights.count
        self.domains = domains
        dims = d
        kernelCount = n + 1
        let k = n + 1
        mu = [Double](repeating: 0, count: k * d)
        sigma = [Double](repeating: 1, count: k * d)
        invSigma = [Double](repeating: 1, count: k * d)
        logNorm = [Double](repeating: 0, count: k * d)
        logHit = [Double](repeating: 0, count: d)
        logMiss = [Double](repeating: 0, count: d)
        logUniform = [Double](repeating: 0, count: d)

        var w = weights
        w.append(n == 0 ? 1 : options.priorWeight)
        let total = w.reduce(0, +)
        logWeight = w.map { Foundation.log($0 / total) }
        var running = 0.0
        cumulativeWeight = w.map { running += $0 / total; return running }

        var column = [Double](repeating: 0, count: n)
        for j in 0..<d {
            let domain = domains[j]
            for i in 0..<n { column[i] = rows[i * d + j] }
            switch domain.kind {
            case .categorical(let count):
                // Each observation kernel: prior_weight / kernels on every choice, +1 on its own.
                let share = options.priorWeight / Double(k)
                let rowSum = 1 + share * Double(count)
                logHit[j] = Foundation.log((1 + share) / rowSum)
                logMiss[j] = Foundation.log(share / rowSum)
                logUniform[j] = -Foundation.log(Double(count))
                for i in 0..<n { mu[i * d + j] = column[i] }
                mu[n * d + j] = -1
            case .continuous, .discrete:
                let widths = ParzenEstimator.bandwidths(column, low: domain.low, high: domain.high, options: options)
                let isContinuous: Bool
                if case .continuous = domain.kind { isContinuous = true } else { isContinuous = false }
                for i in 0...n {
                    let m = i < n ? column[i] : 0.5 * (domain.low + domain.high)
                    let s = i < n ? widths[i] : domain.high - domain.low
                    let at = i * d + j
                    mu[at] = m
                    sigma[at] = s
                    invSigma[at] = 1 / s
                    let logZ = TruncatedNormal.logMass((domain.low - m) / s, (domain.high - m) / s)
                    logNorm[at] = isContinuous ? -logZ - Foundation.log(s) - TruncatedNormal.logSqrt2Pi : -logZ
                }
            }
        }
    }

    /// Kernel widths: the larger gap to the sorted neighbours (domain ends included), clipped to
    /// [range / min(100, kernels + 1), range] with the magic clip (Optuna's rule).
    static func bandwidths(_ values: [Double], low: Double, high: Double, options: Options) -> [Double] {
        let n = values.count
        guard n > 0 else { return [] }
        let order = values.indices.sorted { values[$0] < values[$1] }
        var sorted = [Double](repeating: 0, count: n + 2)
        sorted[0] = low
        sorted[n + 1] = high
        for (r, i) in order.enumerated() { sorted[r + 1] = values[i] }
        var widths = [Double](repeating: 0, count: n)
        let range = high - low
        let minWidth = options.considerMagicClip ? range / min(100, 1 + Double(n + 1)) : 1e-12
        for r in 1...n {
            var s = max(sorted[r] - sorted[r - 1], sorted[r + 1] - sorted[r])
            if !options.considerEndpoints && n >= 2 {
                // The outermost kernels ignore the gap to the domain's end.
                if r == 1 { s = sorted[2] - sorted[1] } else if r == n { s = sorted[n] - sorted[n - 1] }
            }
            widths[order[r - 1]] = min(max(s, minWidth), range)
        }
        return widths
    }

    /// Draws `count` candidates from the mixture.
    func sample(count: Int, using g: inout SeededGenerator) -> CandidateBatch {
        var batch = CandidateBatch(domains: domains, capacity: count)
        var point = [Double](repeating: 0, count: dims)
        var lower = point, upper = point
        var values = [ParamValue](repeating: .null, count: dims)
        for _ in 0..<count {
            let u = g.unit()
            var k = 0
            while k < kernelCount - 1 && cumulativeWeight[k] <= u { k += 1 }
            for j in 0..<dims {
                let domain = domains[j]
                let at = k * dims + j
                switch domain.kind {
                case .categorical(let n):
                    var choice: Int
                    if mu[at] < 0 {
                        choice = min(Int(g.unit() * Double(n)), n - 1)
                    } else {
                        let own = Int(mu[at]), pHit = Foundation.exp(logHit[j]), pMiss = Foundation.exp(logMiss[j])
                        var left = g.unit()
                        choice = n - 1
                        for c in 0..<n {
                            left -= c == own ? pHit : pMiss
                            if left < 0 { choice = c; break }
                        }
                    }
                    point[j] = Double(choice)
                    values[j] = domain.external(Double(choice))
                case .continuous:
                    let z = TruncatedNormal.sample((domain.low - mu[at]) * invSigma[at], (domain.high - mu[at]) * invSigma[at], u: g.unit())
                    let y = min(max(mu[at] + sigma[at] * z, domain.low), domain.high)
                    point[j] = y
                    values[j] = domain.external(y)
                case .discrete(let step):
                    let z = TruncatedNormal.sample((domain.low - mu[at]) * invSigma[at], (domain.high - mu[at]) * invSigma[at], u: g.unit())
                    let value = domain.external(mu[at] + sigma[at] * z)
                    let x = value.number ?? 0
                    values[j] = value
                    if domain.isLog {
                        point[j] = Foundation.log(x)
                        lower[j] = Foundation.log(x - step / 2)
                        upper[j] = Foundation.log(x + step / 2)
                    } else {
                        point[j] = x
                        lower[j] = x - step / 2
                        upper[j] = x + step / 2
                    }
                }
            }
            batch.append(point: point, lower: lower, upper: upper, values: values)
        }
        return batch
    }

    /// log density of each candidate under the mixture (in the transformed space; the log
    /// Jacobian is the same for l and g, so their ratio does not need it).
    func logDensity(_ batch: CandidateBatch) -> [Double] {
        var out = [Double](repeating: 0, count: batch.count)
        let d = dims
        // Kind per dim as small ints, to keep the kernel loop free of enum payloads.
        let kinds: [Int] = domains.map {
            switch $0.kind {
            case .continuous: return 0
            case .discrete: return 1
            case .categorical: return 2
            }
        }
        let hasDiscrete = kinds.contains(1)
        mu.withUnsafeBufferPointer { mu in
        invSigma.withUnsafeBufferPointer { invSigma in
        logNorm.withUnsafeBufferPointer { logNorm in
        logWeight.withUnsafeBufferPointer { logWeight in
        batch.point.withUnsafeBufferPointer { point in
        batch.lower.withUnsafeBufferPointer { lower in
        batch.upper.withUnsafeBufferPointer { upper in
            for c in 0..<batch.count {
                let base = c * d
                // Online log-sum-exp; kernels more than `cutoff` below the running maximum
                // change the sum by less than 1e-17 and are skipped, with their erfc calls.
                let cutoff = 40.0
                var m = -Double.infinity, s = 0.0
                for k in 0..<kernelCount {
                    let kb = k * d
                    var t = logWeight[k]
                    var bound = 0.0
                    for j in 0..<d {
                        switch kinds[j] {
                        case 0:
                            let z = (point[base + j] - mu[kb + j]) * invSigma[kb + j]
                            t += logNorm[kb + j] - 0.5 * z * z
                        case 1:
                            // Upper bound of the bin's log mass: width times the density at its
                            // point nearest the kernel's centre.
                            let za = (lower[base + j] - mu[kb + j]) * invSigma[kb + j]
                            let zb = (upper[base + j] - mu[kb + j]) * invSigma[kb + j]
                            let near = za > 0 ? za : (zb < 0 ? -zb : 0)
                            bound += logNorm[kb + j] + min(0, Foundation.log(zb - za) - TruncatedNormal.logSqrt2Pi - 0.5 * near * near)
                        default:
                            let own = mu[kb + j]
                            t += own < 0 ? logUniform[j] : (own == point[base + j] ? logHit[j] : logMiss[j])
                        }
                    }
                    if hasDiscrete {
                        if t + bound < m - cutoff { continue }
                        for j in 0..<d where kinds[j] == 1 {
                            let za = (lower[base + j] - mu[kb + j]) * invSigma[kb + j]
                            let zb = (upper[base + j] - mu[kb + j]) * invSigma[kb + j]
                            t += logNorm[kb + j] + TruncatedNormal.logMass(za, zb)
                        }
                    }
                    if t <= m {
                        if t > m - cutoff { s += Foundation.exp(t - m) }
                    } else {
                        s = m == -.infinity ? 1 : s * Foundation.exp(m - t) + 1
                        m = t
                    }
                }
                out[c] = m == -.infinity ? m : m + Foundation.log(s)
            }
        }}}}}}}
        return out
    }
}

/// Candidate parameter sets drawn from a Parzen estimator, flat like the estimator's arrays.
struct CandidateBatch: Sendable {
    let dims: Int
    private(set) var count = 0
    /// Internal (transformed) value per candidate and dim.
    private(set) var point: [Double] = []
    /// Transformed bin edges, for stepped and int dims.
    private(set) var lower: [Double] = []
    private(set) var upper: [Double] = []
    /// The values as the job receives them.
    private(set) var values: [ParamValue] = []

    init(domains: [ParameterDomain], capacity: Int) {
        dims = domains.count
        point.reserveCapacity(capacity * dims)
        lower.reserveCapacity(capacity * dims)
        upper.reserveCapacity(capacity * dims)
        values.reserveCapacity(capacity * dims)
    }

    mutating func append(point p: [Double], lower l: [Double], upper u: [Double], values v: [ParamValue]) {
        point.append(contentsOf: p)
        lower.append(contentsOf: l)
        upper.append(contentsOf: u)
        values.append(contentsOf: v)
        count += 1
    }

    func values(of candidate: Int) -> ArraySlice<ParamValue> {
        values[candidate * dims..<(candidate + 1) * dims]
    }
}
