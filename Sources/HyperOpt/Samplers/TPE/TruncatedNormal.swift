import Foundation

/// The standard normal distribution truncated to [a, b], in the numerically careful forms TPE
/// needs: kernels far from a point must give a tiny log mass, not log(0) or a NaN.
enum TruncatedNormal {
    static let logSqrt2Pi = 0.5 * Foundation.log(2 * Double.pi)

    /// log P(Z > z) for a standard normal Z, accurate far into the upper tail.
    static func logUpperTail(_ z: Double) -> Double {
        if z < 30 { return Foundation.log(0.5 * erfc(z / 2.0.squareRoot())) }
        // erfc underflows here; its asymptotic series is exact to double precision this far out.
        let r = 1 / (z * z)
        return -0.5 * z * z - Foundation.log(z) - logSqrt2Pi + Foundation.log1p(-r * (1 - 3 * r * (1 - 5 * r)))
    }

    /// log P(a < Z < b), computed in whichever tail keeps the difference from cancelling.
    static func logMass(_ a: Double, _ b: Double) -> Double {
        guard a < b else { return -.infinity }
        if a >= 0 { return logDifference(logUpperTail(a), logUpperTail(b)) }
        if b <= 0 { return logDifference(logUpperTail(-b), logUpperTail(-a)) }
        // The interval holds the mode: subtract both (small) tails from 1.
        return Foundation.log1p(-(0.5 * erfc(-a / 2.0.squareRoot()) + 0.5 * erfc(b / 2.0.squareRoot())))
    }

    /// log(exp(x) - exp(y)) for x >= y.
    private static func logDifference(_ x: Double, _ y: Double) -> Double {
        if y == -.infinity { return x }
        return x + Foundation.log(-Foundation.expm1(y - x))
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation, then one Halley step.
    static func quantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let a = Acklam.a, b = Acklam.b, c = Acklam.c, d = Acklam.d
        let lowTail = 0.02425
        var x: Double
        if p < lowTail {
            let q = (-2 * Foundation.log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - lowTail {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * Foundation.log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * Foundation.exp(0.5 * x * x)
        x -= u / (1 + 0.5 * x * u)
        return x
    }

    /// A draw from the standard normal truncated to [a, b], by inverting the CDF at `u` in [0, 1).
    /// Works in the tail the interval leans to, so that far truncations keep their precision.
    static func sample(_ a: Double, _ b: Double, u: Double) -> Double {
        let z: Double
        if a >= 0 {
            // Upper tail: P(Z > z) = P(Z > a) - u * mass, measured from the right.
            let ta = 0.5 * erfc(a / 2.0.squareRoot()), tb = 0.5 * erfc(b / 2.0.squareRoot())
            z = -quantile(ta - u * (ta - tb))
        } else {
            let fa = 0.5 * erfc(-a / 2.0.squareRoot()), fb = 0.5 * erfc(-b / 2.0.squareRoot())
            z = quantile(fa + u * (fb - fa))
        }
        return min(max(z, a), b)
    }

    private enum Acklam {
        static let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        static let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                        6.680131188771972e+01, -1.328068155288572e+01]
        static let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        static let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    }
}
