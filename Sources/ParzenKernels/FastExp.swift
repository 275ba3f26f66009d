import Foundation

/// e^x for x <= 709, to within 1.5e-15 relative (a few units in the last place), inline: summing a mixture's
/// kernels is mostly exps, and libm's exp is a call with its own checks each time.
@inlinable @inline(__always)
public func fastExp(_ x: Double) -> Double {
    // Below -700 the result is under 1e-304: treat as that, never as a denormal or garbage.
    let x = x < -700 ? -700 : x
    // x = n ln2 + r, |r| <= ln2 / 2; n by the add-and-subtract rounding trick (no libm rint).
    let shifter = 6755399441055744.0 // 1.5 * 2^52
    let t = x * 1.4426950408889634 + shifter
    let n = t - shifter
    let r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
    // Taylor series of e^r to r^12 / 12! (error below 2e-16 for |r| <= 0.347), evaluated by
    // Estrin's scheme: a shallow tree instead of a 12-step chain, so that loops pipeline.
    let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
    let q0 = 1 + r, q1 = 0.5 + r * 1.66666666666666666667e-01
    let q2 = 4.16666666666666666667e-02 + r * 8.33333333333333333333e-03
    let q3 = 1.38888888888888888889e-03 + r * 1.98412698412698412698e-04
    let q4 = 2.48015873015873015873e-05 + r * 2.75573192239858906526e-06
    let q5 = 2.75573192239858906526e-07 + r * 2.50521083854417187751e-08
    let q6 = 2.08767569878680989792e-09
    let p = (q0 + q1 * r2) + (q2 + q3 * r2) * r4 + ((q4 + q5 * r2) + q6 * r4) * r8
    // 2^n from the low bits of t, which hold n after the shift.
    // Wrapping integer operations: no overflow traps, so loops around this can vectorise.
    let k = t.bitPattern &- shifter.bitPattern
    return p * Double(bitPattern: (k &+ 1023) &<< 52)
}

/// `fastExp` on four lanes at once, with the very same operations in the same order, so each
/// lane equals the scalar result bit for bit (a mixture's sum stays what it was, only faster).
@inlinable @inline(__always)
public func fastExp(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let x = x.replacing(with: -700, where: x .< -700)
    let shifter = SIMD4<Double>(repeating: 6755399441055744.0)
    let t = x * 1.4426950408889634 + shifter
    let n = t - shifter
    let r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
    let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
    let q0 = 1 + r, q1 = 0.5 + r * 1.66666666666666666667e-01
    let q2 = 4.16666666666666666667e-02 + r * 8.33333333333333333333e-03
    let q3 = 1.38888888888888888889e-03 + r * 1.98412698412698412698e-04
    let q4 = 2.48015873015873015873e-05 + r * 2.75573192239858906526e-06
    let q5 = 2.75573192239858906526e-07 + r * 2.50521083854417187751e-08
    let q6 = SIMD4<Double>(repeating: 2.08767569878680989792e-09)
    let p = (q0 + q1 * r2) + (q2 + q3 * r2) * r4 + ((q4 + q5 * r2) + q6 * r4) * r8
    let k = unsafeBitCast(t, to: SIMD4<Int64>.self) &- Int64(bitPattern: shifter[0].bitPattern)
    return p * unsafeBitCast((k &+ 1023) &<< 52, to: SIMD4<Double>.self)
}
