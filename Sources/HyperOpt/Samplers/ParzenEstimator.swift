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
    enum DimKind { case continuous, discrete, categorical }
    let kinds: [DimKind]
    let hasDiscrete: Bool
    let dims: Int
    /// Per dim and kernel, at `[dim * kernelCount + kernel]`: centre (a choice index for
    /// categorical dims, -1 for the prior kernel) and 1 / width.
    private(set) var mu: [Double]
    private(set) var invSigma: [Double]
    /// Same layout, filled for stepped dims only (continuous ones fold theirs into `base`):
    /// log width, and log of the kernel's mass inside the domain (its truncation).
    private(set) var logSigma: [Double]
    private(set) var logZ: [Double]
    /// Per kernel: log weight plus the constant part of every continuous dim's log density.
    private(set) var base: [Double]
    /// Per kernel: its mixture weight (they sum to 1).
    private(set) var weight: [Double]
    /// Per categorical dim: log probability of the kernel's own choice, of any other choice, and
    /// of every choice under the prior kernel.
    private(set) var logHit: [Double]
    private(set) var logMiss: [Double]
    private(set) var logUniform: [Double]

    struct Options: Sendable {
        var priorWeight: Double
        var considerMagicClip: Bool
        var considerEndpoints: Bool
    }

    /// The first continuous dim, along which the observation kernels are stored in order, so
    /// that a candidate only visits the kernels near it (see `window`).
    let axis: Int?
    let axisMaxSigma: Double
    let maxBase: Double
    /// Scratch of the build, kept only to hand its storage to the next one (see `Buffers`).
    private let linear: [Double]
    private let column: [Double]

    /// The storage of one estimator's arrays, passed from one ask's bad-side estimator to the
    /// next through the kernel memo. Only capacity is reused: every element is written again.
    struct Buffers {
        var mu: [Double] = [], invSigma: [Double] = [], logSigma: [Double] = [], logZ: [Double] = []
        var base: [Double] = [], weight: [Double] = [], linear: [Double] = [], column: [Double] = []

        /// `count` copies of `value`, in the storage of `spare` (left empty) when it is big enough.
        static func reuse(_ spare: inout [Double], _ value: Double, _ count: Int) -> [Double] {
            var out: [Double] = []
            swap(&out, &spare)
            // Resized at the end only, then filled in place: appending repeated elements one
            // by one is a slow generic loop, and from one ask to the next only a few are new.
            if out.count > count { out.removeLast(out.count - count) }
            out.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
            out.append(contentsOf: repeatElement(value, count: count - out.count))
            return out
        }
    }

    /// This estimator's storage, for the next one to reuse once this one is gone.
    var buffers: Buffers {
        Buffers(mu: mu, invSigma: invSigma, logSigma: logSigma, logZ: logZ, base: base, weight: weight,
                linear: linear, column: column)
    }

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
    ///   - kernelMemo: constants of earlier kernels, keyed by table row; the caller holds its lock.
    init(domains: [ParameterDomain], observations table: ObservationTable, weights: [Double], options: Options,
         sorted: [[Int]?]? = nil, kernelMemo: KernelMemo? = nil) {
        let d = domains.count
        let n = weights.count
        let k = n + 1
        self.domains = domains
        dims = d
        kernelCount = k
        // Built in locals: the loops below write them through buffer pointers. The storage
        // comes from the previous ask's estimator when there is one, so that big studies do not
        // allocate (and the C heap does not shrink and regrow) on every ask.
        var spare = kernelMemo?.takeSpare() ?? Buffers()
        var mu = Buffers.reuse(&spare.mu, 0, k * d)
        var invSigma = Buffers.reuse(&spare.invSigma, 1, k * d)
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
        var logSigma = Buffers.reuse(&spare.logSigma, 0, hasDiscrete ? k * d : 0)
        var logZ = Buffers.reuse(&spare.logZ, 0, hasDiscrete ? k * d : 0)
        var logHit = [Double](repeating: 0, count: d)
        var logMiss = [Double](repeating: 0, count: d)
        var logUniform = [Double](repeating: 0, count: d)
        var axisMaxSigma = 0.0

        var column = Buffers.reuse(&spare.column, 0, n)
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
        var weight = Buffers.reuse(&spare.weight, 1, k)
        weight.withUnsafeMutableBufferPointer { weight in
            weights.withUnsafeBufferPointer { weights in
                observation.withUnsafeBufferPointer { observation in
                    for s in 0..<n { weight[s] = weights[observation[s]] / total }
                }
            }
            weight[n] = priorWeight / total
        }
        var linear = Buffers.reuse(&spare.linear, 0, 0)
        linear.append(contentsOf: weight)
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
                mu.withUnsafeMutableBufferPointer { mu in
                    column.withUnsafeBufferPointer { column in
                        observation.withUnsafeBufferPointer { observation in
                            for s in 0..<n { mu[row + s] = column[observation[s]] }
                        }
                    }
                    mu[row + n] = -1
                }
            case .continuous, .discrete:
                let widths = ParzenEstimator.bandwidths(column, order: orders[j] ?? [], low: domain.low, high: domain.high,
                                                        options: options)
                let isContinuous: Bool
                if case .continuous = domain.kind { isContinuous = true } else { isContinuous = false }
                if isContinuous { continuousDims += 1 }
                // Apart from the loop below: there it would live in memory (the loop is a closure)
                // and chain every kernel through a store and a reload.
                var widest = 0.0
                for w in widths where w > widest { widest = w }
                let low = domain.low, high = domain.high
                let rowCount = table.values.count / max(table.stride, 1)
                var memo = kernelMemo?.column(table.columns[j], low: low, high: high, rows: rowCount)
                    ?? KernelMemo.Column()
                let useMemo = kernelMemo != nil
                memo.center.withUnsafeMutableBufferPointer { memoCenter in
                memo.width.withUnsafeMutableBufferPointer { memoWidth in
                memo.first.withUnsafeMutableBufferPointer { memoFirst in
                memo.second.withUnsafeMutableBufferPointer { memoSecond in
                table.indices.withUnsafeBufferPointer { rowOf in
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
                        mu[row + s] = m
                        let id = useMemo && s < n ? rowOf[observation[s]] : -1
                        if id >= 0 && memoCenter[id] == m && memoWidth[id] == w {
                            if isContinuous {
                                invSigma[row + s] = memoFirst[id]
                                linear[s] *= memoSecond[id]
                            } else {
                                invSigma[row + s] = 1 / w
                                logZ[row + s] = memoFirst[id]
                                logSigma[row + s] = memoSecond[id]
                            }
                            continue
                        }
                        let inverse = 1 / w
                        invSigma[row + s] = inverse
                        let a = (low - m) * inverse, b = (high - m) * inverse
                        let first: Double, second: Double
                        if isContinuous {
                            let mass = a > -8.3 || b < 8.3 ? ParzenEstimator.massInside(a, b) : 1
                            (first, second) = (inverse, mass == 1 ? inverse : inverse / mass)
                            linear[s] *= second
                        } else {
                            (first, second) = (TruncatedNormal.logMass(a, b), Foundation.log(w))
                            logZ[row + s] = first
                            logSigma[row + s] = second
                        }
                        if id >= 0 {
                            (memoCenter[id], memoWidth[id], memoFirst[id], memoSecond[id]) = (m, w, first, second)
                        }
                    }
                }}}}}}}}}}}}}
                kernelMemo?.store(memo, at: table.columns[j])
                if j == axis { axisMaxSigma = widest }
            }
        }
        let constant = -Double(continuousDims) * TruncatedNormal.logSqrt2Pi
        var base = Buffers.reuse(&spare.base, 0, k)
        base.withUnsafeMutableBufferPointer { base in
            linear.withUnsafeBufferPointer { linear in
                for s in 0..<k { base[s] = Foundation.log(linear[s]) + constant }
            }
        }
        self.base = base
        self.linear = linear
        self.column = column
        var maxBase = -Double.infinity
        for s in 0..<n where base[s] > maxBase { maxBase = base[s] }
        self.maxBase = maxBase
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
        // The categorical probabilities, once per batch rather than per draw.
        let pHit = logHit.map { Foundation.exp($0) }, pMiss = logMiss.map { Foundation.exp($0) }
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
                        let own = Int(mu[at]), pHit = pHit[j], pMiss = pMiss[j]
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
}
