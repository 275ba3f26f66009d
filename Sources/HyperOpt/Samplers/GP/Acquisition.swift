import Foundation

/// What the sampler maximises: log expected improvement over the best value observed, under a
/// fitted process (running trials already believed in). Values are standardised and oriented
/// so that higher is better.
struct Acquisition: Sendable {
    let gp: GaussianProcess
    /// The best observed value (standardised), not counting believed points.
    let best: Double

    /// log EI at `u`.
    func value(_ u: [Double]) -> Double {
        let p = gp.posterior(at: u)
        return logExpectedImprovement(mean: p.mean, variance: p.variance, best: best)
    }

    /// log EI at `u` and its gradient in `u` (0 on categorical inputs), for the local search:
    /// through σ = √variance, ∂σ = ∂variance / 2σ.
    func valueAndGradient(_ u: [Double]) -> (value: Double, gradient: [Double]) {
        let p = gp.posterior(at: u, gradient: true)
        let a = logExpectedImprovementWithDerivatives(mean: p.mean, variance: p.variance, best: best)
        let sigma = p.variance.squareRoot()
        return (a.value, zip(p.dMean, p.dVariance).map { a.dMean * $0 + a.dSigma * $1 / (2 * sigma) })
    }

    /// log EI at many points, by the batched posterior (the candidates of an ask).
    func values(_ points: [[Double]]) -> [Double] {
        let posterior = gp.posteriors(at: points)
        return points.indices.map { i in
            logExpectedImprovement(mean: posterior.means[i], variance: posterior.variances[i], best: best)
        }
    }
}

/// The logarithm of expected improvement over `best` (maximising) of a normal N(mean, variance):
/// log(σ (z Φ(z) + φ(z))), z = (mean − best)/σ, computed so that it stays finite and accurate far
/// below the best (where EI underflows): an asymptotic series for z < −30.
public func logExpectedImprovement(mean: Double, variance: Double, best: Double) -> Double {
    let sigma = variance.squareRoot()
    let z = (mean - best) / sigma
    return log(sigma) + logH(z)
}

/// log(z Φ(z) + φ(z)).
func logH(_ z: Double) -> Double {
    let logPhiDensity = -0.5 * z * z - 0.5 * log(2 * Double.pi)
    if z > -30 {
        let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
        let h = z * cdf + exp(logPhiDensity)
        if h > 0 { return log(h) }
    }
    // z Φ(z) + φ(z) = φ(z) / z² · (1 − 3/z² + 15/z⁴ − 105/z⁶ + 945/z⁸ − …) for z → −∞.
    let w = 1 / (z * z)
    let series = 1 - 3 * w + 15 * w * w - 105 * w * w * w + 945 * w * w * w * w
    return logPhiDensity - log(z * z) + log(series)
}

/// log EI and its derivatives in the posterior's mean and standard deviation, for the local
/// optimiser: with z = (μ − best)/σ and r = Φ(z)/h(z), ∂/∂μ = r/σ and ∂/∂σ = (1 − r z)/σ.
func logExpectedImprovementWithDerivatives(mean: Double, variance: Double, best: Double) -> (value: Double, dMean: Double, dSigma: Double) {
    let sigma = variance.squareRoot()
    let z = (mean - best) / sigma
    let value = log(sigma) + logH(z)
    var r: Double
    if z > -30 {
        let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
        let h = z * cdf + exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
        r = h > 0 ? cdf / h : -z
    } else {
        // Φ(z) ≈ φ(z)/(−z) (1 − w + 3w²) and h(z) ≈ φ(z)/z² (1 − 3w + 15w²), w = 1/z².
        let w = 1 / (z * z)
        r = -z * (1 - w + 3 * w * w) / (1 - 3 * w + 15 * w * w)
    }
    return (value, r / sigma, (1 - r * z) / sigma)
}
