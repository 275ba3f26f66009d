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
    /// What each dim is, without the payloads: the hot loops must not copy a domain (its
    /// distribution holds arrays, and copying them costs reference counting).
    private enum DimKind { case continuous, discrete, categorical }
    private let kinds: [DimKind]
    private let hasDiscrete: Bool
    private let dims: Int
    /// Per dim and kernel, at `[dim * kernelCount + kernel]`: centre (a choice index for
    /// categorical dims, -1 for the prior kernel) and 1 / width.
    private var mu: [Double]
    private var invSigma: [Double]
    /// Same layout, filled for stepped dims only (continuous ones fold theirs into `base`):
    /// log width, and log of the kernel's mass inside the domain (its truncation).
    private var logSigma: [Double]
    private var logZ: [Double]
    /// Per kernel: log weight plus the constant part of every continuous dim's log density.
    private var base: [Double]
    /// Per kernel: its mixture weight (they sum to 1).
    private var weight: [Double]
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

    /// The first continuous dim, along which the observation kernels are stored in order, so
    /// that a candidate only visits the kernels near it (see `window`).
    private let axis: Int?
    private let axisMaxSigma: Double
    private let maxBase: Double

    /// - Parameters:
    ///   - rows: internal values, `rows[i * domains.count + j]` for observation i and dim j.
    ///   - weights: one non-negative weight per observation.
    init(domains: [ParameterDomain], rows: [Double], weights: [Double], options: Options) {
        let table = ObservationTable(values: rows, stride: domains.count, indices: Array(0..<weights.count),
                                     columns: Array(0..<domains.count))
        self.init(domains: domains, observations: table, weights: weights, options: options)
    }

    /// - Parameters:
    ///   - observations: the observations' internal values, in the order of `weights`.
    ///   - weights: one non-negative weight per observation.
    ///   - sorted: per dim, the observations sorted by their value there (ties by index), when
    ///     the caller knows it; sorted here otherwise.
    init(domains: [ParameterDomain], observations table: ObservationTable, weights: [Double], options: Options,
         sorted: [[Int]?]? = nil) {
        let d = domains.count
        let n = weights.count
        let k = n + 1
        self.domains = domains
        dims = d
        kernelCount = k
        // Built in locals: the loops below write them through buffer pointers.
        var mu = [Double](repeating: 0, count: k * d)
        var invSigma = [Double](repeating: 1, count: k * d)
        let kinds: [DimKind] = domains.map {
            switch $0.kind {
            case .continuous: return .continuous
            case .discrete: return .discrete
            case .categorical: return .categorical
            }
        }
        let hasDiscrete = kinds.contains(.discrete)
        self.kinds = kinds
        self.hasDiscrete = hasDiscrete
        var logSigma = hasDiscrete ? [Double](repeating: 0, count: k * d) : []
        var logZ = hasDiscrete ? [Double](repeating: 0, count: k * d) : []
        var logHit = [Double](repeating: 0, count: d)
        var logMiss = [Double](repeating: 0, count: d)
        var logUniform = [Double](repeating: 0, count: d)
        var axisMaxSigma = 0.0

        var column = [Double](repeating: 0, count: n)
        var orders = [[Int]?](repeating: nil, count: d)
        for j in 0..<d where !domains[j].isCategorical {
            if let given = sorted?[j], given.count == n {
                orders[j] = given
            } else {
                table.gather(column: j, into: &column)
                orders[j] = column.indices.sorted { a, b in column[a] != column[b] ? column[a] < column[b] : a < b }
            }
        }
        let axis = domains.firstIndex { if case .continuous = $0.kind { return true } else { return false } }
        // Slot s of every per-kernel array holds observation `observation[s]`; the prior is last.
        let observation: [Int] = axis.flatMap { orders[$0] } ?? Array(0..<n)

        let priorWeight = n == 0 ? 1 : options.priorWeight
        let total = weights.reduce(0, +) + priorWeight
        // Per slot: weight over the product of the continuous widths and truncated masses, so
        // that one log per kernel at the end replaces one per kernel and dim.
        var linear = [Double](repeating: 1, count: k)
        for s in 0..<n { linear[s] = weights[observation[s]] / total }
        linear[n] = priorWeight / total
        let weight = linear
        var continuousDims = 0

        for j in 0..<d {
            let domain = domains[j]
            let row = j * k
            table.gather(column: j, into: &column)
            switch domain.kind {
            case .categorical(let count):
                // Each observation kernel: prior_weight / kernels on every choice, +1 on its own.
                let share = options.priorWeight / Double(k)
                let rowSum = 1 + share * Double(count)
                logHit[j] = Foundation.log((1 + share) / rowSum)
                logMiss[j] = Foundation.log(share / rowSum)
                logUniform[j] = -Foundation.log(Double(count))
                for s in 0..<n { mu[row + s] = column[observation[s]] }
                mu[row + n] = -1
            case .continuous, .discrete:
                let widths = ParzenEstimator.bandwidths(column, order: orders[j] ?? [], low: domain.low, high: domain.high,
                                                        options: options)
                let isContinuous: Bool
                if case .continuous = domain.kind { isContinuous = true } else { isContinuous = false }
                if isContinuous { continuousDims += 1 }
                var widest = 0.0
                let low = domain.low, high = domain.high
                column.withUnsafeBufferPointer { column in
                widths.withUnsafeBufferPointer { widths in
                observation.withUnsafeBufferPointer { observation in
                linear.withUnsafeMutableBufferPointer { linear in
                mu.withUnsafeMutableBufferPointer { mu in
                invSigma.withUnsafeMutableBufferPointer { invSigma in
                logZ.withUnsafeMutableBufferPointer { logZ in
                logSigma.withUnsafeMutableBufferPointer { logSigma in
                    for s in 0...n {
                        let m = s < n ? column[observation[s]] : 0.5 * (low + high)
                        let w = s < n ? widths[observation[s]] : high - low
                        let inverse = 1 / w
                        mu[row + s] = m
                        invSigma[row + s] = inverse
                        let a = (low - m) * inverse, b = (high - m) * inverse
                        if isContinuous {
                            let mass = a > -8.3 || b < 8.3 ? ParzenEstimator.massInside(a, b) : 1
                            linear[s] *= mass == 1 ? inverse : inverse / mass
                        } else {
                            logZ[row + s] = TruncatedNormal.logMass(a, b)
                            logSigma[row + s] = Foundation.log(w)
                        }
                        if s < n && w > widest { widest = w }
                    }
                }}}}}}}}
                if j == axis { axisMaxSigma = widest }
            }
        }
        let constant = -Double(continuousDims) * TruncatedNormal.logSqrt2Pi
        base = linear.map { Foundation.log($0) + constant }
        maxBase = base.prefix(n).max() ?? -.infinity
        self.mu = mu
        self.invSigma = invSigma
        self.logSigma = logSigma
        self.logZ = logZ
        self.logHit = logHit
        self.logMiss = logMiss
        self.logUniform = logUniform
        self.weight = weight
        self.axis = axis
        self.axisMaxSigma = axisMaxSigma
    }

    /// P(a < Z < b) for a kernel whose centre lies in [a, b] (so a <= 0 <= b and, with widths
    /// at most the range, the mass is at least 0.19): one minus the tails, skipping a tail
    /// beyond 8.3 standard deviations (under 1e-16) and its erfc call.
    private static func massInside(_ a: Double, _ b: Double) -> Double {
        var mass = 1.0
        if a > -8.3 { mass -= 0.5 * erfc(-a / 2.0.squareRoot()) }
        if b < 8.3 { mass -= 0.5 * erfc(b / 2.0.squareRoot()) }
        return mass
    }

    /// Kernel widths: the larger gap to the sorted neighbours (domain ends included), clipped to
    /// [range / min(100, kernels + 1), range] with the magic clip (Optuna's rule).
    static func bandwidths(_ values: [Double], order: [Int], low: Double, high: Double, options: Options) -> [Double] {
        let n = values.count
        guard n > 0 else { return [] }
        var sorted = [Double](repeating: 0, count: n + 2)
        sorted[0] = low
        sorted[n + 1] = high
        for r in 0..<n { sorted[r + 1] = values[order[r]] }
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
        var total = 0.0
        let cumulativeWeight = weight.map { total += $0; return total }
        var point = [Double](repeating: 0, count: dims)
        var lower = point, upper = point
        var values = [ParamValue](repeating: .null, count: dims)
        for _ in 0..<count {
            let u = g.unit() * total
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
                    let y = min(max(mu[at] + z / invSigma[at], domain.low), domain.high)
                    point[j] = y
                    values[j] = domain.external(y)
                case .discrete(let step):
                    let z = TruncatedNormal.sample((domain.low - mu[at]) * invSigma[at], (domain.high - mu[at]) * invSigma[at], u: g.unit())
                    let value = domain.external(mu[at] + z / invSigma[at])
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
    ///
    /// Per candidate: one pass per dim over the kernels that can matter (vectorisable), giving
    /// each kernel's exact log term, or for stepped dims an upper bound of it; then a
    /// log-sum-exp, with the exact bin mass wherever a bound stood in.
    ///
    /// Which kernels can matter: observation kernels are stored in order along `axis`, and every
    /// dim's log term is at most 0 beyond `base`, so a kernel farther than
    /// `axisMaxSigma * sqrt(2 (maxBase - L + cutoff))` along the axis lies below L - cutoff,
    /// for L any kernel's exact term. L comes from a first, narrower window (the one that would
    /// do if the best kernel reached `maxBase`); the window then widens as far as L requires.
    func logDensity(_ batch: CandidateBatch) -> [Double] {
        var out = [Double](repeating: 0, count: batch.count)
        var acc = [Double](repeating: 0, count: kernelCount)
        let prior = kernelCount - 1, dims = dims, kernelCount = kernelCount, cutoff = ParzenEstimator.cutoff
        let windowAxis = kernelCount > 32 ? axis : nil
        // All buffers taken once: the loops below run per candidate and per kernel.
        mu.withUnsafeBufferPointer { mu in
        invSigma.withUnsafeBufferPointer { inv in
        logSigma.withUnsafeBufferPointer { logSigma in
        logZ.withUnsafeBufferPointer { logZ in
        base.withUnsafeBufferPointer { base in
        acc.withUnsafeMutableBufferPointer { acc in
            for c in 0..<batch.count {
                let b = c * dims
                func accumulate(_ lo: Int, _ hi: Int) {
                    guard lo < hi, let a = acc.baseAddress, let m = mu.baseAddress, let v = inv.baseAddress,
                          let w = base.baseAddress else { return }
                    // Four kernels at a time in explicit vectors (the compiler does not vectorise
                    // these loops by itself), then the remainder one by one.
                    let whole = lo + (hi - lo) & ~3
                    a.advanced(by: lo).update(from: w.advanced(by: lo), count: hi - lo)
                    for j in 0..<dims {
                        let row = j * kernelCount
                        switch kinds[j] {
                        case .continuous:
                            let x = batch.point[b + j], x4 = SIMD4(repeating: x)
                            var k = lo
                            while k < whole {
                                let z = (x4 - load4(m, row + k)) * load4(v, row + k)
                                store4(load4(a, k) - 0.5 * z * z, a, k)
                                k += 4
                            }
                            while k < hi {
                                let z = (x - m[row + k]) * v[row + k]
                                a[k] -= 0.5 * z * z
                                k += 1
                            }
                        case .categorical:
                            let x = batch.point[b + j], hit = logHit[j], miss = logMiss[j]
                            let x4 = SIMD4(repeating: x), hit4 = SIMD4(repeating: hit), miss4 = SIMD4(repeating: miss)
                            var k = lo
                            while k < whole {
                                store4(load4(a, k) + miss4.replacing(with: hit4, where: load4(m, row + k) .== x4), a, k)
                                k += 4
                            }
                            while k < hi {
                                a[k] += m[row + k] == x ? hit : miss
                                k += 1
                            }
                            if hi > prior { acc[prior] += logUniform[j] - miss }
                        case .discrete:
                            // Bound: bin width times the density at the bin's point nearest the centre.
                            let lower = batch.lower[b + j], upper = batch.upper[b + j]
                            let logWidth = Foundation.log(upper - lower) - TruncatedNormal.logSqrt2Pi
                            for k in lo..<hi {
                                let za = (lower - mu[row + k]) * inv[row + k], zb = (upper - mu[row + k]) * inv[row + k]
                                let near = za > 0 ? za : (zb < 0 ? -zb : 0)
                                acc[k] += min(0, logWidth - logSigma[row + k] - 0.5 * near * near) - logZ[row + k]
                            }
                        }
                    }
                }
                /// A lower bound of the largest exact term among slots lo..<hi.
                func bestExact(_ lo: Int, _ hi: Int) -> Double {
                    guard lo < hi else { return -.infinity }
                    var top = lo
                    for k in lo..<hi where acc[k] > acc[top] { top = k }
                    return hasDiscrete ? exactLogTerm(kernel: top, candidate: c, batch: batch) : acc[top]
                }

                var lo = 0, hi = kernelCount
                // The prior kernel lies outside a window: its exact term joins the sum separately.
                var priorTerm: Double?
                if let axis = windowAxis {
                    let row = axis * kernelCount, x = batch.point[b + axis], n = kernelCount - 1
                    let exactPrior = exactLogTerm(kernel: prior, candidate: c, batch: batch)
                    priorTerm = exactPrior
                    let narrow = axisMaxSigma * (2 * cutoff).squareRoot()
                    lo = lowerBound(x - narrow, row: row, n: n)
                    hi = upperBound(x + narrow, row: row, n: n)
                    accumulate(lo, hi)
                    let best = max(exactPrior, bestExact(lo, hi))
                    if best > -.infinity, maxBase - best > 0 {
                        let reach = axisMaxSigma * (2 * (maxBase - best + cutoff)).squareRoot()
                        let wideLo = lowerBound(x - reach, row: row, n: n), wideHi = upperBound(x + reach, row: row, n: n)
                        accumulate(wideLo, lo)
                        accumulate(hi, wideHi)
                        (lo, hi) = (wideLo, wideHi)
                    } else if best == -.infinity {
                        accumulate(0, lo)
                        accumulate(hi, kernelCount)
                        (lo, hi, priorTerm) = (0, kernelCount, nil)
                    }
                } else {
                    accumulate(0, kernelCount)
                }
                let terms = UnsafeMutableBufferPointer(rebasing: acc[lo..<hi])
                out[c] = hasDiscrete
                    ? sumWithExactBins(terms, offset: lo, extra: priorTerm, candidate: c, batch: batch)
                    : ParzenEstimator.logSumExp(terms, extra: priorTerm)
            }
        }}}}}}
        return out
    }

    /// Kernels more than this many nats below the best one change the density by less than
    /// 1e-14 of it each: they are skipped, with their exp and erfc calls.
    private static let cutoff = 32.0

    /// First slot whose axis centre is >= x.
    private func lowerBound(_ x: Double, row: Int, n: Int) -> Int {
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if mu[row + mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// First slot whose axis centre is > x.
    private func upperBound(_ x: Double, row: Int, n: Int) -> Int {
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if mu[row + mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private static func logSumExp(_ terms: UnsafeMutableBufferPointer<Double>, extra: Double?) -> Double {
        // Four lanes at a time: the max and the sum are chains of dependent operations, and
        // independent lanes let them overlap.
        let count = terms.count, whole = count & ~3
        var m4 = SIMD4<Double>(repeating: extra ?? -.infinity)
        var k = 0
        while k < whole {
            m4 = pointwiseMax(m4, SIMD4(terms[k], terms[k + 1], terms[k + 2], terms[k + 3]))
            k += 4
        }
        var m = m4.max()
        while k < count { m = terms[k] > m ? terms[k] : m; k += 1 }
        guard m > -.infinity else { return m }
        var s = extra.map { Foundation.exp($0 - m) } ?? 0
        for t in terms where t > m - cutoff { s += fastExp(t - m) }
        return m + Foundation.log(s)
    }

    /// log-sum-exp where `bounds` over-estimate the stepped dims: exact terms for the kernels
    /// that can matter, measured against the exact term of the most promising kernel.
    private func sumWithExactBins(_ bounds: UnsafeMutableBufferPointer<Double>, offset: Int, extra: Double?,
                                  candidate c: Int, batch: CandidateBatch) -> Double {
        var reference = extra ?? -Double.infinity
        if !bounds.isEmpty {
            var top = 0
            for k in bounds.indices where bounds[k] > bounds[top] { top = k }
            reference = max(reference, exactLogTerm(kernel: top + offset, candidate: c, batch: batch))
        }
        guard reference > -.infinity else { return reference }
        var s = extra.map { Foundation.exp($0 - reference) } ?? 0
        for k in bounds.indices where bounds[k] > reference - ParzenEstimator.cutoff {
            s += fastExp(exactLogTerm(kernel: k + offset, candidate: c, batch: batch) - reference)
        }
        return reference + Foundation.log(s)
    }

    /// log(weight × density) of one kernel at one candidate, from scratch.
    private func exactLogTerm(kernel k: Int, candidate c: Int, batch: CandidateBatch) -> Double {
        var t = base[k]
        for j in 0..<dims {
            let at = j * kernelCount + k, x = batch.point[c * dims + j]
            switch kinds[j] {
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

/// Observations as an estimator reads them: rows `indices` of a flat table with `stride` values
/// per row, restricted to `columns`. Lets both sides of the split share one table.
struct ObservationTable {
    let values: [Double]
    let stride: Int
    let indices: [Int]
    let columns: [Int]

    func gather(column j: Int, into out: inout [Double]) {
        let c = columns[j], stride = stride
        values.withUnsafeBufferPointer { values in
            indices.withUnsafeBufferPointer { indices in
                for i in indices.indices { out[i] = values[indices[i] * stride + c] }
            }
        }
    }
}

@inline(__always)
private func load4(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func load4(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func store4(_ value: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: SIMD4<Double>.self)
}
