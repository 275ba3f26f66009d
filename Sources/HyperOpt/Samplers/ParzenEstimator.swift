import Foundation

/// TPE's density model over some parameters: a weighted mixture with one product kernel per
/// observation plus one broad prior kernel (Watanabe 2023, sections 3 and 4; Optuna 5's
/// `_ParzenEstimator`). Numeric kernels are normals truncated to the domain (summed over a grid
/// bin for stepped and int parameters); categorical kernels put extra mass on their own choice.
///
/// Arrays are flat and dim-major (`[dim * kernels + kernel]`) so the per-ask work is a few tight
/// loops over doubles, with no dictionaries.
struct ParzenEstimator: Sendable {
    let domains: [ParameterDomain]
    let kernelCount: Int
    private let dims: Int
    /// Per dim and kernel, at `[dim * kernelCount + kernel]`: centre (a choice index for
    /// categorical dims, -1 for the prior kernel), width, 1 / width, log width.
    private var mu: [Double]
    private var sigma: [Double]
    private var invSigma: [Double]
    private var logSigma: [Double]
    /// Per dim and kernel: log of the kernel's mass inside the domain (its truncation).
    private var logZ: [Double]
    /// Per kernel: log weight plus the constant part of every continuous dim's log density.
    private var base: [Double]
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
        let k = n + 1
        self.domains = domains
        dims = d
        kernelCount = k
        mu = [Double](repeating: 0, count: k * d)
        sigma = [Double](repeating: 1, count: k * d)
        invSigma = [Double](repeating: 1, count: k * d)
        logSigma = [Double](repeating: 0, count: k * d)
        logZ = [Double](repeating: 0, count: k * d)
        logHit = [Double](repeating: 0, count: d)
        logMiss = [Double](repeating: 0, count: d)
        logUniform = [Double](repeating: 0, count: d)

        var w = weights
        w.append(n == 0 ? 1 : options.priorWeight)
        let total = w.reduce(0, +)
        base = w.map { Foundation.log($0 / total) }
        var running = 0.0
        cumulativeWeight = w.map { running += $0 / total; return running }

        var column = [Double](repeating: 0, count: n)
        for j in 0..<d {
            let domain = domains[j]
            let row = j * k
            for i in 0..<n { column[i] = rows[i * d + j] }
            switch domain.kind {
            case .categorical(let count):
                // Each observation kernel: prior_weight / kernels on every choice, +1 on its own.
                let share = options.priorWeight / Double(k)
                let rowSum = 1 + share * Double(count)
                logHit[j] = Foundation.log((1 + share) / rowSum)
                logMiss[j] = Foundation.log(share / rowSum)
                logUniform[j] = -Foundation.log(Double(count))
                for i in 0..<n { mu[row + i] = column[i] }
                mu[row + n] = -1
            case .continuous, .discrete:
                let widths = ParzenEstimator.bandwidths(column, low: domain.low, high: domain.high, options: options)
                let isContinuous: Bool
                if case .continuous = domain.kind { isContinuous = true } else { isContinuous = false }
                for i in 0...n {
                    let m = i < n ? column[i] : 0.5 * (domain.low + domain.high)
                    let s = i < n ? widths[i] : domain.high - domain.low
                    let at = row + i
                    mu[at] = m
                    sigma[at] = s
                    invSigma[at] = 1 / s
                    logSigma[at] = Foundation.log(s)
                    logZ[at] = ParzenEstimator.logMassInside((domain.low - m) / s, (domain.high - m) / s)
                    if isContinuous { base[i] -= logZ[at] + logSigma[at] + TruncatedNormal.logSqrt2Pi }
                }
            }
        }
    }

    /// log P(a < Z < b) for a kernel whose centre lies in [a, b]: tails beyond 8.3 standard
    /// deviations weigh less than 1e-16 and are not worth two erfc calls.
    private static func logMassInside(_ a: Double, _ b: Double) -> Double {
        if a < -8.3 && b > 8.3 { return 0 }
        return TruncatedNormal.logMass(a, b)
    }

    /// Kernel widths: the larger gap to the sorted neighbours (domain ends included), clipped to
    /// [range / min(100, kernels + 1), range] with the magic clip (Optuna's rule).
    static func bandwidths(_ values: [Double], low: Double, high: Double, options: Options) -> [Double] {
        let n = values.count
        guard n > 0 else { return [] }
        var order = [(value: Double, index: Int)]()
        order.reserveCapacity(n)
        for (i, v) in values.enumerated() { order.append((v, i)) }
        order.sort { $0.value < $1.value }
        var sorted = [Double](repeating: 0, count: n + 2)
        sorted[0] = low
        sorted[n + 1] = high
        for r in 0..<n { sorted[r + 1] = order[r].value }
        var widths = [Double](repeating: 0, count: n)
        let range = high - low
        let minWidth = options.considerMagicClip ? range / min(100, 1 + Double(n + 1)) : 1e-12
        for r in 1...n {
            var s = max(sorted[r] - sorted[r - 1], sorted[r + 1] - sorted[r])
            if !options.considerEndpoints && n >= 2 {
                // The outermost kernels ignore the gap to the domain's end.
                if r == 1 { s = sorted[2] - sorted[1] } else if r == n { s = sorted[n] - sorted[n - 1] }
            }
            widths[order[r - 1].index] = min(max(s, minWidth), range)
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
                let at = j * kernelCount + k
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

    /// Kernels more than this many nats below the best one change the density by less than
    /// 1e-17 of it: they are skipped, with their exp and erfc calls.
    private static let cutoff = 40.0

    /// log density of each candidate under the mixture (in the transformed space; the log
    /// Jacobian is the same for l and g, so their ratio does not need it).
    ///
    /// One pass per dim over all kernels (vectorisable), giving every kernel's exact log term,
    /// or for stepped dims an upper bound of it; then the kernels near the top are summed, with
    /// the exact bin mass where a bound stood in.
    func logDensity(_ batch: CandidateBatch) -> [Double] {
        var out = [Double](repeating: 0, count: batch.count)
        var acc = [Double](repeating: 0, count: kernelCount)
        let hasDiscrete = domains.contains { if case .discrete = $0.kind { return true } else { return false } }
        for c in 0..<batch.count {
            let b = c * dims
            acc.withUnsafeMutableBufferPointer { acc in
                base.withUnsafeBufferPointer { base in _ = acc.update(fromContentsOf: base) }
                for j in 0..<dims {
                    let row = j * kernelCount
                    switch domains[j].kind {
                    case .continuous:
                        let x = batch.point[b + j]
                        mu.withUnsafeBufferPointer { mu in
                        invSigma.withUnsafeBufferPointer { inv in
                            for k in 0..<kernelCount {
                                let z = (x - mu[row + k]) * inv[row + k]
                                acc[k] -= 0.5 * z * z
                            }
                        }}
                    case .categorical:
                        let x = batch.point[b + j], hit = logHit[j], miss = logMiss[j]
                        mu.withUnsafeBufferPointer { mu in
                            for k in 0..<kernelCount { acc[k] += mu[row + k] == x ? hit : miss }
                        }
                        acc[kernelCount - 1] += logUniform[j] - miss
                    case .discrete:
                        // Bound: bin width times the density at the bin's point nearest the centre.
                        let lo = batch.lower[b + j], hi = batch.upper[b + j]
                        let logWidth = Foundation.log(hi - lo) - TruncatedNormal.logSqrt2Pi
                        mu.withUnsafeBufferPointer { mu in
                        invSigma.withUnsafeBufferPointer { inv in
                        logSigma.withUnsafeBufferPointer { logSigma in
                        logZ.withUnsafeBufferPointer { logZ in
                            for k in 0..<kernelCount {
                                let za = (lo - mu[row + k]) * inv[row + k], zb = (hi - mu[row + k]) * inv[row + k]
                                let near = za > 0 ? za : (zb < 0 ? -zb : 0)
                                acc[k] += min(0, logWidth - logSigma[row + k] - 0.5 * near * near) - logZ[row + k]
                            }
                        }}}}
                    }
                }
                out[c] = hasDiscrete ? sumWithExactBins(acc, candidate: c, batch: batch) : ParzenEstimator.logSumExp(acc)
            }
        }
        return out
    }

    private static func logSumExp(_ terms: UnsafeMutableBufferPointer<Double>) -> Double {
        var m = -Double.infinity
        for t in terms where t > m { m = t }
        guard m > -.infinity else { return m }
        var s = 0.0
        for t in terms where t > m - cutoff { s += Foundation.exp(t - m) }
        return m + Foundation.log(s)
    }

    /// log-sum-exp where `bounds` over-estimate the stepped dims: exact terms for the kernels
    /// that can matter, measured against the exact term of the most promising kernel.
    private func sumWithExactBins(_ bounds: UnsafeMutableBufferPointer<Double>, candidate c: Int, batch: CandidateBatch) -> Double {
        var top = 0
        for k in 0..<kernelCount where bounds[k] > bounds[top] { top = k }
        let reference = exactLogTerm(kernel: top, candidate: c, batch: batch)
        guard reference > -.infinity else { return reference }
        var s = 0.0
        for k in 0..<kernelCount where bounds[k] > reference - ParzenEstimator.cutoff {
            s += Foundation.exp(exactLogTerm(kernel: k, candidate: c, batch: batch) - reference)
        }
        return reference + Foundation.log(s)
    }

    /// log(weight × density) of one kernel at one candidate, from scratch.
    private func exactLogTerm(kernel k: Int, candidate c: Int, batch: CandidateBatch) -> Double {
        var t = base[k]
        for j in 0..<dims {
            let at = j * kernelCount + k, x = batch.point[c * dims + j]
            switch domains[j].kind {
            case .continuous:
                let z = (x - mu[at]) * invSigma[at]
                t -= 0.5 * z * z
            case .categorical:
                t += mu[at] < 0 ? logUniform[j] : (mu[at] == x ? logHit[j] : logMiss[j])
            case .discrete:
                let za = (batch.lower[c * dims + j] - mu[at]) * invSigma[at]
                let zb = (batch.upper[c * dims + j] - mu[at]) * invSigma[at]
                t += TruncatedNormal.logMass(za, zb) - logZ[at]
            }
        }
        return t
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
