import Foundation

/// The kernels of a Parzen estimator apart from their weights: per dim and kernel the centre,
/// the width and the constants derived from them. Weights change on every ask (they depend on
/// the number of observations); the kernels mostly do not, so the above side keeps a kernel set
/// from one ask to the next and edits it (see `IncrementalAbove`).
///
/// Arrays are flat and dim-major, `[dim * stride + slot]`, with `stride` >= `count + 1` so that
/// a kernel can be inserted without moving the other dims' rows. Observation kernels take slots
/// 0..<count, sorted along `axis` (the first continuous dim) when there is one; the prior kernel
/// takes slot `count`.
struct KernelSet: Sendable {
    let domains: [ParameterDomain]
    let kinds: [ParzenEstimator.DimKind]
    let axis: Int?
    private(set) var count: Int
    private(set) var stride: Int
    /// Centre (a choice index for categorical dims, -1 for the prior kernel) and 1 / width.
    var mu: [Double]
    var invSigma: [Double]
    /// Continuous dims: 1 / (width × the kernel's mass inside the domain).
    var second: [Double]
    /// Stepped dims: log width, and log of the kernel's mass inside the domain.
    var logSigma: [Double]
    var logZ: [Double]
    /// Per observation slot: the kernel's width along `axis` (empty without an axis).
    var axisWidth: [Double]
    /// Per observation slot: the observation's index in the weights (age) order.
    var observation: [Int]

    var dims: Int { domains.count }
    var hasDiscrete: Bool { kinds.contains(.discrete) }

    /// The storage of earlier arrays, handed on so that big studies do not allocate (and the C
    /// heap does not shrink and regrow) on every ask. Only capacity is reused.
    struct Buffers {
        var mu: [Double] = [], invSigma: [Double] = [], second: [Double] = [], logSigma: [Double] = []
        var logZ: [Double] = [], axisWidth: [Double] = [], column: [Double] = []

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

        /// Takes `kernels`' storage for a later build to reuse (keeping the scratch column).
        mutating func keep(_ kernels: KernelSet) {
            (mu, invSigma, second) = (kernels.mu, kernels.invSigma, kernels.second)
            (logSigma, logZ, axisWidth) = (kernels.logSigma, kernels.logZ, kernels.axisWidth)
        }

        /// `count` elements, in the storage of `spare` (left empty) when it is big enough; the
        /// caller writes every one of them.
        static func reuse(_ spare: inout [Double], _ count: Int) -> [Double] {
            var out: [Double] = []
            swap(&out, &spare)
            if out.count > count { out.removeLast(out.count - count) }
            out.append(contentsOf: repeatElement(0, count: count - out.count))
            return out
        }
    }


    /// Builds every kernel.
    /// - Parameters:
    ///   - table: the observations' internal values, in the weights' order.
    ///   - sorted: per dim, the observations sorted by their value there (ties by index), when
    ///     the caller knows it; sorted here otherwise.
    ///   - constants: constants of earlier kernels, keyed by table row (the above side's, kept by
    ///     the sampler's cache); nil for a one-off build.
    ///   - spare: storage to reuse.
    ///   - headroom: free slots to leave in each row, for later insertions.
    init(domains: [ParameterDomain], table: ObservationTable, options: ParzenEstimator.Options, sorted: [[Int]?]? = nil,
         spare: inout Buffers, headroom: Int = 0) {
        var none: KernelConstants?
        self.init(domains: domains, table: table, options: options, sorted: sorted, constants: &none, spare: &spare, headroom: headroom)
    }

    init(domains: [ParameterDomain], table: ObservationTable, options: ParzenEstimator.Options, sorted: [[Int]?]?,
         constants: inout KernelConstants?, spare: inout Buffers, headroom: Int) {
        let d = domains.count
        let n = table.indices.count
        let stride = n + 1 + headroom
        self.domains = domains
        count = n
        self.stride = stride
        let kinds: [ParzenEstimator.DimKind] = domains.map {
            switch $0.kind {
            case .continuous: return .continuous
            case .discrete: return .discrete
            case .categorical: return .categorical
            }
        }
        self.kinds = kinds
        let hasContinuous = kinds.contains(.continuous), hasDiscrete = kinds.contains(.discrete)
        var mu = Buffers.reuse(&spare.mu, 0, stride * d)
        var invSigma = Buffers.reuse(&spare.invSigma, 1, stride * d)
        var second = Buffers.reuse(&spare.second, 1, hasContinuous ? stride * d : 0)
        var logSigma = Buffers.reuse(&spare.logSigma, 0, hasDiscrete ? stride * d : 0)
        var logZ = Buffers.reuse(&spare.logZ, 0, hasDiscrete ? stride * d : 0)

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
        let axis = kinds.firstIndex(of: .continuous)
        self.axis = axis
        // Slot s holds observation `observation[s]`; the prior is last.
        let observation: [Int] = axis.flatMap { orders[$0] } ?? Array(0..<n)
        var axisWidth = Buffers.reuse(&spare.axisWidth, 0, axis == nil ? 0 : n)

        for j in 0..<d {
            let domain = domains[j]
            let row = j * stride
            table.gather(column: j, into: &column)
            switch domain.kind {
            case .categorical:
                mu.withUnsafeMutableBufferPointer { mu in
                    column.withUnsafeBufferPointer { column in
                        observation.withUnsafeBufferPointer { observation in
                            for s in 0..<n { mu[row + s] = column[observation[s]] }
                        }
                    }
                    mu[row + n] = -1
                }
            case .continuous, .discrete:
                let widths = KernelSet.bandwidths(column, order: orders[j] ?? [], low: domain.low, high: domain.high,
                                                  options: options)
                let isContinuous = kinds[j] == .continuous
                let low = domain.low, high = domain.high
                let rowCount = table.values.count / max(table.stride, 1)
                var memo = constants?.column(table.columns[j], low: low, high: high, rows: rowCount)
                    ?? KernelConstants.Column()
                let useMemo = constants != nil
                let isAxis = j == axis
                memo.center.withUnsafeMutableBufferPointer { memoCenter in
                memo.width.withUnsafeMutableBufferPointer { memoWidth in
                memo.first.withUnsafeMutableBufferPointer { memoFirst in
                memo.second.withUnsafeMutableBufferPointer { memoSecond in
                table.indices.withUnsafeBufferPointer { rowOf in
                column.withUnsafeBufferPointer { column in
                widths.withUnsafeBufferPointer { widths in
                observation.withUnsafeBufferPointer { observation in
                axisWidth.withUnsafeMutableBufferPointer { axisWidth in
                mu.withUnsafeMutableBufferPointer { mu in
                invSigma.withUnsafeMutableBufferPointer { invSigma in
                second.withUnsafeMutableBufferPointer { second in
                logZ.withUnsafeMutableBufferPointer { logZ in
                logSigma.withUnsafeMutableBufferPointer { logSigma in
                    for s in 0...n {
                        let m = s < n ? column[observation[s]] : 0.5 * (low + high)
                        let w = s < n ? widths[observation[s]] : high - low
                        mu[row + s] = m
                        invSigma[row + s] = 1 / w
                        if isAxis && s < n { axisWidth[s] = w }
                        let id = useMemo && s < n ? rowOf[observation[s]] : -1
                        let first: Double, other: Double
                        if id >= 0 && memoCenter[id] == m && memoWidth[id] == w {
                            (first, other) = (memoFirst[id], memoSecond[id])
                        } else {
                            (first, other) = KernelSet.constants(center: m, width: w, low: low, high: high,
                                                                 continuous: isContinuous)
                            if id >= 0 {
                                (memoCenter[id], memoWidth[id], memoFirst[id], memoSecond[id]) = (m, w, first, other)
                            }
                        }
                        if isContinuous {
                            second[row + s] = other
                        } else {
                            logZ[row + s] = first
                            logSigma[row + s] = other
                        }
                    }
                }}}}}}}}}}}}}}
                constants?.store(memo, at: table.columns[j])
            }
        }
        spare.column = column
        self.mu = mu
        self.invSigma = invSigma
        self.second = second
        self.logSigma = logSigma
        self.logZ = logZ
        self.axisWidth = axisWidth
        self.observation = observation
    }

    /// What a numeric kernel's density needs beyond 1 / width, from its centre and width: for a
    /// continuous dim, (1 / width, 1 / (width × mass inside the domain)); for a stepped dim,
    /// (log mass inside the domain, log width). A pure function, so it can be remembered.
    @inline(__always)
    static func constants(center m: Double, width w: Double, low: Double, high: Double,
                          continuous: Bool) -> (Double, Double) {
        let inverse = 1 / w
        let a = (low - m) * inverse, b = (high - m) * inverse
        if continuous {
            let mass = a > -8.3 || b < 8.3 ? massInside(a, b) : 1
            return (inverse, mass == 1 ? inverse : inverse / mass)
        }
        return (TruncatedNormal.logMass(a, b), Foundation.log(w))
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

    /// The narrowest a kernel may be with `n` observations (Optuna's magic clip).
    static func minWidth(n: Int, low: Double, high: Double, options: ParzenEstimator.Options) -> Double {
        options.considerMagicClip ? (high - low) / min(100, 1 + Double(n + 1)) : 1e-12
    }

    /// Kernel widths: the larger gap to the sorted neighbours (domain ends included), clipped to
    /// [range / min(100, kernels + 1), range] with the magic clip (Optuna's rule).
    static func bandwidths(_ values: [Double], order: [Int], low: Double, high: Double,
                           options: ParzenEstimator.Options) -> [Double] {
        let n = values.count
        guard n > 0 else { return [] }
        var sorted = [Double](repeating: 0, count: n + 2)
        sorted[0] = low
        sorted[n + 1] = high
        for r in 0..<n { sorted[r + 1] = values[order[r]] }
        var widths = [Double](repeating: 0, count: n)
        let minWidth = KernelSet.minWidth(n: n, low: low, high: high, options: options)
        for r in 1...n {
            widths[order[r - 1]] = width(previous: sorted[r - 1], value: sorted[r], next: sorted[r + 1], rank: r, of: n,
                                         minWidth: minWidth, range: high - low, options: options)
        }
        return widths
    }

    /// The width of the kernel at 1-based `rank` among `n` sorted values, from its neighbours
    /// (the domain's ends stand in past the first and the last).
    @inline(__always)
    static func width(previous: Double, value: Double, next: Double, rank r: Int, of n: Int, minWidth: Double,
                      range: Double, options: ParzenEstimator.Options) -> Double {
        var s = max(value - previous, next - value)
        if !options.considerEndpoints && n >= 2 {
            // The outermost kernels ignore the gap to the domain's end.
            if r == 1 { s = next - value } else if r == n { s = value - previous }
        }
        return min(max(s, minWidth), range)
    }
}

extension KernelSet {
    /// Removes the observation kernel at `slot` (the prior moves down with the others).
    mutating func remove(slot: Int) {
        precondition(slot >= 0 && slot < count, "no such kernel")
        let tail = count - slot // the kernels after it, and the prior
        for j in 0..<dims {
            let at = j * stride + slot
            KernelSet.shift(&mu, from: at + 1, to: at, count: tail)
            KernelSet.shift(&invSigma, from: at + 1, to: at, count: tail)
            switch kinds[j] {
            case .continuous: KernelSet.shift(&second, from: at + 1, to: at, count: tail)
            case .discrete:
                KernelSet.shift(&logSigma, from: at + 1, to: at, count: tail)
                KernelSet.shift(&logZ, from: at + 1, to: at, count: tail)
            case .categorical: break
            }
        }
        if axis != nil { axisWidth.remove(at: slot) }
        observation.remove(at: slot)
        count -= 1
    }

    /// Opens an observation slot at `slot` for a kernel centred on `center` (per dim). Its other
    /// constants are NaN until the caller sets them.
    mutating func insert(slot: Int, center: [Double], observation index: Int) {
        precondition(slot >= 0 && slot <= count, "no such slot")
        if count + 2 > stride { grow() }
        let tail = count + 1 - slot
        for j in 0..<dims {
            let at = j * stride + slot
            KernelSet.shift(&mu, from: at, to: at + 1, count: tail)
            KernelSet.shift(&invSigma, from: at, to: at + 1, count: tail)
            mu[at] = center[j]
            invSigma[at] = kinds[j] == .categorical ? 1 : .nan
            switch kinds[j] {
            case .continuous:
                KernelSet.shift(&second, from: at, to: at + 1, count: tail)
                second[at] = .nan
            case .discrete:
                KernelSet.shift(&logSigma, from: at, to: at + 1, count: tail)
                KernelSet.shift(&logZ, from: at, to: at + 1, count: tail)
                (logSigma[at], logZ[at]) = (.nan, .nan)
            case .categorical: break
            }
        }
        if axis != nil { axisWidth.insert(.nan, at: slot) }
        observation.insert(index, at: slot)
        count += 1
    }

    /// Sets the width of the kernel at `slot` along numeric dim `j`, with its constants.
    mutating func setWidth(_ w: Double, slot: Int, dim j: Int) {
        let at = j * stride + slot, domain = domains[j]
        invSigma[at] = 1 / w
        if j == axis { axisWidth[slot] = w }
        let (first, other) = KernelSet.constants(center: mu[at], width: w, low: domain.low, high: domain.high,
                                                 continuous: kinds[j] == .continuous)
        if kinds[j] == .continuous {
            second[at] = other
        } else {
            (logZ[at], logSigma[at]) = (first, other)
        }
    }

    /// Twice the room per row, for more insertions.
    private mutating func grow() {
        let wider = 2 * stride, old = stride, dims = dims, used = count + 1
        func relayout(_ a: inout [Double]) {
            guard !a.isEmpty else { return }
            var out = [Double](repeating: 0, count: wider * dims)
            for j in 0..<dims {
                for s in 0..<used { out[j * wider + s] = a[j * old + s] }
            }
            a = out
        }
        relayout(&mu)
        relayout(&invSigma)
        relayout(&second)
        relayout(&logSigma)
        relayout(&logZ)
        stride = wider
    }

    /// Moves `count` elements within `a`, overlapping or not.
    private static func shift(_ a: inout [Double], from: Int, to: Int, count: Int) {
        guard count > 0 else { return }
        a.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            (base + to).update(from: base + from, count: count) // memmove semantics
        }
    }
}
