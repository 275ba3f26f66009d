import Foundation

/// e^x for x <= 709, to within a few units in the last place, inline: summing a mixture's
/// kernels is mostly exps, and libm's exp is a call with its own checks each time.
@inline(__always)
func fastExp(_ x: Double) -> Double {
    // Below -700 the result is under 1e-304: treat as that, never as a denormal or garbage.
    let x = x < -700 ? -700 : x
    // x = n ln2 + r, |r| <= ln2 / 2; n by the add-and-subtract rounding trick (no libm rint).
    let shifter = 6755399441055744.0 // 1.5 * 2^52
    let t = x * 1.4426950408889634 + shifter
    let n = t - shifter
    let r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
    // Taylor series of e^r to r^12 / 12!: the error is below 2e-16 for |r| <= 0.347.
    var p = 2.08767569878680989792e-09
    p = p * r + 2.50521083854417187751e-08
    p = p * r + 2.75573192239858906526e-07
    p = p * r + 2.75573192239858906526e-06
    p = p * r + 2.48015873015873015873e-05
    p = p * r + 1.98412698412698412698e-04
    p = p * r + 1.38888888888888888889e-03
    p = p * r + 8.33333333333333333333e-03
    p = p * r + 4.16666666666666666667e-02
    p = p * r + 1.66666666666666666667e-01
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n from the low bits of t, which hold n after the shift.
    let k = Int64(bitPattern: t.bitPattern) - Int64(bitPattern: shifter.bitPattern)
    return p * Double(bitPattern: UInt64(bitPattern: (k + 1023) << 52))
}
