import Foundation
import ParzenKernels

/// TPE's density model over some parameters: a weighted mixture with one product kernel per
/// observation plus one broad prior kernel (Watanabe 2023, sections 3 and 4; Optuna 5's
/// `_ParzenEstimator`). Numeric kernels are normals truncated to the domain (summed over a grid
/// bin for stepped and int parameters); categorical kernels put extra mass on their own choice.
///
/// Arrays are flat and dim-major (`[dim * stride + kernel]`) so the per-ask work is a few tight
/// loops over doubles, with no dictionaries.
struct ParzenEstimator: Sendable {
    let domains: [ParameterDomain]
    let kernelCount: Int
    /// What each dim is, without the payloads: the hot loops must not copy a domain (its
    /// distribution holds arrays, and copying them costs reference counting).
    enum DimKind: Sendable { case continuous, discrete, categorical }
    let kinds: [DimKind]
    /// Per dim: whether it is categorical.
    let isCategorical: [Bool]
    let hasDiscrete: Bool
    let dims: Int
    /// Distance between two dims' rows in the per-kernel arrays below.
    let stride: Int
    /// Per dim and kernel, at `[dim * stride + kernel]`: centre (a choice index for
    /// categorical dims, -1 for the prior kernel) and 1 / width.
    let mu: [Double]
    let invSigma: [Double]
    /// Same layout, filled for stepped dims only (continuous ones fold theirs into `base`):
    /// log width, and log of the kernel's mass inside the domain (its truncation).
    let logSigma: [Double]
    let logZ: [Double]
    /// Per kernel: log weight plus the constant part of every continuous dim's log density.
    private(set) var base: [Double]
    /// Per kernel: its mixture weight (they sum to 1).
    private(set) var weight: [Double]
    /// Per categorical dim: log probability of the kernel's own choice, of any other choice, and
    /// of every choice under the prior kernel.
    private(set) var logHit: [Double]
    private(set) var logMiss: [Double]
    private(set) var logUniform: [Double]

    struct Options: Sendable, Equatable {
        var priorWeight: Double
        var considerMagicClip: Bool
        var considerEndpoints: Bool
    }

    /// The first continuous dim, along which the observation kernels are stored in order, so
    /// that a candidate only visits the kernels near it (see `logDensity`).
    let axis: Int?
    let axisMaxSigma: Double
    let maxBase: Double
    /// Scratch of the weighting, kept only to hand its storage to the next one.
    private let linear: [Double]

    /// Storage of the per-kernel weighting arrays, passed from one ask's estimator to the next.
    struct Buffers {
        var base: [Double] = [], weight: [Double] = [], linear: [Double] = []
    }

    /// This estimator's weighting storage, for the next one to reuse once this one is gone.
    var buffers: Buffers { Buffers(base: base, weight: weight, linear: linear) }

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
        var spare = KernelSet.Buffers()
        let kernels = KernelSet(domains: domains, table: table, options: options, sorted: sorted, spare: &spare)
        var weighting = Buffers()
        self.init(kernels: kernels, weights: weights, options: options, spare: &weighting)
    }

    /// The mixture of `kernels` with `weights` (one per observation, in the kernels'
    /// observation order) and the prior.
    /// - Parameter spare: storage to reuse for the per-kernel weighting arrays.
    init(kernels: KernelSet, weights: [Double], options: Options, spare: inout Buffers) {
        let d = kernels.dims
        let n = kernels.count
        let k = n + 1
        let stride = kernels.stride
        domains = kernels.domains
        dims = d
        kernelCount = k
        self.stride = stride
        kinds = kernels.kinds
        isCategorical = kernels.kinds.map { $0 == .categorical }
        hasDiscrete = kernels.hasDiscrete
        axis = kernels.axis
        mu = kernels.mu
        invSigma = kernels.invSigma
        logSigma = kernels.logSigma
        logZ = kernels.logZ

        let priorWeight = n == 0 ? 1 : options.priorWeight
        let total = ParzenEstimator.sum(weights) + priorWeight, inverseTotal = 1 / total
        // Per slot: weight over the product of the continuous widths and truncated masses, so
        // that one log per kernel at the end replaces one per kernel and dim.
        var weight = KernelSet.Buffers.reuse(&spare.weight, k)
        var linear = KernelSet.Buffers.reuse(&spare.linear, k)
        weight.withUnsafeMutableBufferPointer { weight in
            weights.withUnsafeBufferPointer { weights in
                kernels.observation.withUnsafeBufferPointer { observation in
                    for s in 0..<n { weight[s] = weights[observation[s]] * inverseTotal }
                }
            }
            weight[n] = priorWeight * inverseTotal
        }
        var continuous: [Int] = []
        var logHit = [Double](repeating: 0, count: d)
        var logMiss = [Double](repeating: 0, count: d)
        var logUniform = [Double](repeating: 0, count: d)
        for j in 0..<d {
            switch domains[j].kind {
            case .categorical(let count):
                let kernel = CategoricalKernel(priorWeight: options.priorWeight, kernels: k, choices: count)
                logHit[j] = Foundation.log(kernel.hit)
                logMiss[j] = Foundation.log(kernel.miss)
                logUniform[j] = -Foundation.log(Double(count))
            case .continuous:
                continuous.append(j)
            case .discrete:
                break
            }
        }
        linear.withUnsafeMutableBufferPointer { linear in
            weight.withUnsafeBufferPointer { weight in
                kernels.second.withUnsafeBufferPointer { second in
                    if let first = continuous.first {
                        for s in 0..<k { linear[s] = weight[s] * second[first * stride + s] }
                    } else {
                        for s in 0..<k { linear[s] = weight[s] }
                    }
                    for j in continuous.dropFirst() {
                        for s in 0..<k { linear[s] *= second[j * stride + s] }
                    }
                }
            }
        }
        let constant = -Double(continuous.count) * TruncatedNormal.logSqrt2Pi
        var base = KernelSet.Buffers.reuse(&spare.base, k)
        base.withUnsafeMutableBufferPointer { base in
            linear.withUnsafeBufferPointer { linear in
                for s in 0..<k { base[s] = Foundation.log(linear[s]) + constant }
            }
        }
        let maxBase = ParzenEstimator.largest(base, count: n)
        let widest = max(ParzenEstimator.largest(kernels.axisWidth, count: kernels.axisWidth.count), 0)
        self.base = base
        self.linear = linear
        self.maxBase = maxBase
        self.logHit = logHit
        self.logMiss = logMiss
        self.logUniform = logUniform
        self.weight = weight
        self.axisMaxSigma = widest
    }

    /// The sum of `values`, in four lanes (a plain loop is one long chain of dependent adds).
    static func sum(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { v in
            var lanes = SIMD4<Double>(repeating: 0)
            var k = 0
            if let p = v.baseAddress {
                while k + 4 <= v.count {
                    lanes += load4(p, k)
                    k += 4
                }
            }
            var rest = 0.0
            while k < v.count {
                rest += v[k]
                k += 1
            }
            return lanes.sum() + rest
        }
    }

    /// The largest of the first `count` values (NaNs skipped; -infinity for none), four lanes at a time.
    static func largest(_ values: [Double], count: Int) -> Double {
        values.withUnsafeBufferPointer { v in
            var lanes = SIMD4<Double>(repeating: -.infinity)
            var k = 0
            if let p = v.baseAddress {
                while k + 4 <= count {
                    let x = load4(p, k)
                    lanes.replace(with: x, where: x .> lanes)
                    k += 4
                }
            }
            var top = lanes.max()
            while k < count {
                if v[k] > top { top = v[k] }
                k += 1
            }
            return top
        }
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
                let at = j * stride + k
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
