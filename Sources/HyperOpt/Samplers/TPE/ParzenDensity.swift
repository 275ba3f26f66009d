import Foundation
import ParzenKernels

/// Evaluating the mixture: the part of TPE that runs 24 times per ask over every kernel that
/// can matter, so it works on raw buffers in 4-wide vectors.
extension ParzenEstimator {
    /// log density of each candidate under the mixture (in the transformed space; the log
    /// Jacobian is the same below and above, so their ratio does not need it).
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
    /// `loops`: the build of the mixture loops to run (the sampler's).
    func logDensity(_ batch: CandidateBatch, loops: MixtureLoops = .detected) -> [Double] {
        var out = [Double](repeating: 0, count: batch.count)
        var acc = [Double](repeating: 0, count: kernelCount)
        let prior = kernelCount - 1, dims = dims, kernelCount = kernelCount, stride = stride, cutoff = ParzenEstimator.cutoff
        let windowAxis = kernelCount > 32 ? axis : nil
        // All buffers taken once: the loops below run per candidate and per kernel.
        mu.withUnsafeBufferPointer { mu in
        invSigma.withUnsafeBufferPointer { inv in
        logSigma.withUnsafeBufferPointer { logSigma in
        logZ.withUnsafeBufferPointer { logZ in
        base.withUnsafeBufferPointer { base in
        logHit.withUnsafeBufferPointer { logHit in
        logMiss.withUnsafeBufferPointer { logMiss in
        logUniform.withUnsafeBufferPointer { logUniform in
        isCategorical.withUnsafeBufferPointer { isCategorical in
        acc.withUnsafeMutableBufferPointer { acc in
            for c in 0..<batch.count {
                let b = c * dims
                /// Fills the terms of slots lo..<hi; returns their largest when no dim is stepped.
                @discardableResult
                func accumulate(_ lo: Int, _ hi: Int) -> Double {
                    guard lo < hi, let a = acc.baseAddress, let m = mu.baseAddress, let v = inv.baseAddress,
                          let w = base.baseAddress else { return -.infinity }
                    if !hasDiscrete {
                        return batch.point.withUnsafeBufferPointer { point in
                            guard let x = point.baseAddress, let isCategorical = isCategorical.baseAddress,
                                  let hit = logHit.baseAddress, let miss = logMiss.baseAddress,
                                  let uniform = logUniform.baseAddress else { return -.infinity }
                            return loops.terms(lo, hi, dims: dims, stride: stride, prior: prior,
                                               categorical: isCategorical, logHit: hit, logMiss: miss,
                                               logUniform: uniform, point: x + b, terms: a, mu: m, inverse: v,
                                               base: w)
                        }
                    }
                    // Four kernels at a time in explicit vectors (the compiler does not vectorise
                    // these loops by itself), then the remainder one by one.
                    let whole = lo + (hi - lo) & ~3
                    a.advanced(by: lo).update(from: w.advanced(by: lo), count: hi - lo)
                    for j in 0..<dims {
                        let row = j * stride
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
                    return -.infinity
                }
                /// A lower bound of the largest exact term among slots lo..<hi (stepped dims only:
                /// otherwise `accumulate` gives it).
                func bestExact(_ lo: Int, _ hi: Int) -> Double {
                    guard lo < hi else { return -.infinity }
                    var top = lo
                    for k in lo..<hi where acc[k] > acc[top] { top = k }
                    return hasDiscrete ? exactLogTerm(kernel: top, candidate: c, batch: batch) : acc[top]
                }

                var lo = 0, hi = kernelCount
                // The largest term in lo..<hi, when no dim is stepped.
                var largest = -Double.infinity
                // The prior kernel lies outside a window: its exact term joins the sum separately.
                var priorTerm: Double?
                if let axis = windowAxis {
                    let row = axis * stride, x = batch.point[b + axis], n = kernelCount - 1
                    let exactPrior = exactLogTerm(kernel: prior, candidate: c, batch: batch)
                    priorTerm = exactPrior
                    let narrow = axisMaxSigma * (2 * cutoff).squareRoot()
                    lo = lowerBound(x - narrow, row: row, n: n)
                    hi = upperBound(x + narrow, row: row, n: n)
                    largest = accumulate(lo, hi)
                    let best = max(exactPrior, hasDiscrete ? bestExact(lo, hi) : largest)
                    if best > -.infinity, maxBase - best > 0 {
                        let reach = axisMaxSigma * (2 * (maxBase - best + cutoff)).squareRoot()
                        let wideLo = lowerBound(x - reach, row: row, n: n), wideHi = upperBound(x + reach, row: row, n: n)
                        largest = max(largest, accumulate(wideLo, lo), accumulate(hi, wideHi))
                        (lo, hi) = (wideLo, wideHi)
                    } else if best == -.infinity {
                        largest = max(largest, accumulate(0, lo), accumulate(hi, kernelCount))
                        (lo, hi, priorTerm) = (0, kernelCount, nil)
                    }
                } else {
                    largest = accumulate(0, kernelCount)
                }
                let terms = UnsafeMutableBufferPointer(rebasing: acc[lo..<hi])
                out[c] = hasDiscrete
                    ? sumWithExactBins(terms, offset: lo, extra: priorTerm, candidate: c, batch: batch)
                    : terms.baseAddress.map {
                        loops.logSumExp($0, count: terms.count, extra: priorTerm ?? -.infinity, largest: largest,
                                        cutoff: cutoff)
                    } ?? (priorTerm ?? -.infinity)
            }
        }}}}}}}}}}
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
            let at = j * stride + k, x = batch.point[c * dims + j]
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
