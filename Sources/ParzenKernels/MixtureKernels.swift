import Foundation

// The two loops that evaluating a Parzen mixture spends its time in, on raw buffers.
//
// This file and FastExp.swift are compiled twice: here for any x86-64 (or other) CPU, and in
// ParzenKernelsAVX2 (through symbolic links) for CPUs with AVX2 and FMA, where a four-lane
// vector is one register instead of two. HyperOpt picks one at run time (`MixtureLoops`).
// Neither module lets the compiler fuse a multiply and an add, so both give the same bits.

/// The terms log(weight × density) of kernels lo..<hi at one point, for a mixture whose dims are
/// continuous or categorical: every dim in one pass, four kernels at a time. Returns the largest.
///
/// - Parameters:
///   - dims: dimensions; dim j of kernel k is at `j * stride + k` in `mu` and `inverse`.
///   - prior: the prior kernel's slot (the last one); its categorical dims are uniform.
///   - categorical: per dim, whether it is categorical (then `mu` holds choice indices).
///   - logHit, logMiss, logUniform: per categorical dim, log probability of a kernel's own choice,
///     of another choice, and of any choice under the prior.
///   - point: the point, one internal value per dim.
///   - terms: receives kernel k's term at `terms[k]`.
///   - mu, inverse, base: kernel centres, 1 / widths, and per kernel its log weight plus the
///     constant part of its continuous dims' log densities.
public func mixtureTerms(_ lo: Int, _ hi: Int, dims: Int, stride: Int, prior: Int, categorical: UnsafePointer<Bool>,
                         logHit: UnsafePointer<Double>, logMiss: UnsafePointer<Double>,
                         logUniform: UnsafePointer<Double>, point x: UnsafePointer<Double>,
                         terms a: UnsafeMutablePointer<Double>, mu m: UnsafePointer<Double>,
                         inverse v: UnsafePointer<Double>, base w: UnsafePointer<Double>) -> Double {
    let end = hi < prior ? hi : prior
    var top4 = SIMD4<Double>(repeating: -.infinity)
    var k = lo
    while k + 4 <= end {
        var t = load4(w, k)
        for j in 0..<dims {
            let at = j * stride + k, x4 = SIMD4(repeating: x[j])
            if categorical[j] {
                let hit4 = SIMD4(repeating: logHit[j]), miss4 = SIMD4(repeating: logMiss[j])
                t = t + miss4.replacing(with: hit4, where: load4(m, at) .== x4)
            } else {
                let z = (x4 - load4(m, at)) * load4(v, at)
                t = t - 0.5 * z * z
            }
        }
        store4(t, a, k)
        top4.replace(with: t, where: t .> top4)
        k += 4
    }
    var top = lanesMax(top4)
    func single(_ k: Int) {
        var t = w[k]
        for j in 0..<dims {
            let at = j * stride + k
            if categorical[j] {
                t += m[at] == x[j] ? logHit[j] : logMiss[j]
                if k == prior { t += logUniform[j] - logMiss[j] }
            } else {
                let z = (x[j] - m[at]) * v[at]
                t -= 0.5 * z * z
            }
        }
        a[k] = t
        if t > top { top = t }
    }
    while k < end {
        single(k)
        k += 1
    }
    if hi > prior { single(prior) }
    return top
}

/// log(exp(extra) + Σ exp(terms)), leaving out terms more than `cutoff` below the largest.
/// The terms are scratch (they are reordered).
/// - Parameters:
///   - extra: one more term, or -infinity for none.
///   - largest: the largest of `terms`, known from filling them.
public func logSumExp(_ p: UnsafeMutablePointer<Double>, count: Int, extra: Double, largest: Double,
                      cutoff: Double) -> Double {
    let m = largest > extra ? largest : extra
    guard m > -.infinity else { return m }
    var s = extra > -.infinity ? Foundation.exp(extra - m) : 0
    // Keep the terms above the floor at the front (most of a window lies far below it), then
    // take their exps. Branch-free: whether a term passes is a coin flip to the branch predictor.
    let floor = m - cutoff, top4 = SIMD4(repeating: m), whole = count & ~3
    let floor4 = SIMD4(repeating: floor), zero = SIMD4<Int64>(repeating: 0), one = SIMD4<Int64>(repeating: 1)
    var kept = 0
    var k = 0
    while k < whole {
        let t = load4(p, k)
        let pass = zero.replacing(with: one, where: t .> floor4)
        p[kept] = t[0]; kept &+= Int(truncatingIfNeeded: pass[0])
        p[kept] = t[1]; kept &+= Int(truncatingIfNeeded: pass[1])
        p[kept] = t[2]; kept &+= Int(truncatingIfNeeded: pass[2])
        p[kept] = t[3]; kept &+= Int(truncatingIfNeeded: pass[3])
        k += 4
    }
    while k < count {
        let t = p[k]
        p[kept] = t
        kept &+= t > floor ? 1 : 0
        k += 1
    }
    // The exps four at a time, summed in four lanes.
    var sum4 = SIMD4<Double>(repeating: 0)
    k = 0
    while k + 4 <= kept {
        sum4 += fastExp(load4(p, k) - top4)
        k += 4
    }
    while k < kept {
        s += fastExp(p[k] - m)
        k += 1
    }
    return m + Foundation.log(s + ((sum4[0] + sum4[1]) + (sum4[2] + sum4[3])))
}

// No generic code below, nor calls to it above: its specialisations would be shared with other
// modules, and the linker could pick this build's copy for a CPU without AVX2.

/// The largest lane (NaNs skipped).
@inline(__always)
private func lanesMax(_ v: SIMD4<Double>) -> Double {
    let a = v[0] > v[1] ? v[0] : v[1], b = v[2] > v[3] ? v[2] : v[3]
    return a > b ? a : b
}

/// Four doubles from `p + i` (any alignment).
@inlinable @inline(__always)
public func load4(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

/// Four doubles from `p + i` (any alignment).
@inlinable @inline(__always)
public func load4(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
}

/// Four doubles to `p + i` (any alignment).
@inlinable @inline(__always)
public func store4(_ value: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: SIMD4<Double>.self)
}
