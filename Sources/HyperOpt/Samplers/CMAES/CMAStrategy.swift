import Foundation

/// CMA-ES's strategy parameters: the recombination weights and the learning rates, as Hansen's
/// tutorial ("The CMA Evolution Strategy: A Tutorial", 2016, eqs. 48–56) sets them by default and
/// the `cmaes` package's `CMA` (full covariance) and `SepCMA` (diagonal covariance, Ros & Hansen
/// 2008) classes compute them. They depend only on the dimension and the population size.
struct CMAStrategy: Sendable, Hashable {
    let dimension: Int
    /// λ, the solutions per generation.
    let popsize: Int
    /// μ = ⌊λ/2⌋, the solutions that move the mean.
    let mu: Int
    /// One weight per ranked solution, best first. The full strategy has λ of them, the last
    /// ones negative (active CMA: the worst solutions push the covariance away); the separable
    /// strategy has only the μ positive ones.
    let weights: [Double]
    /// The variance-effective selection mass of the positive weights.
    let muEff: Double
    /// Learning rate of the rank-one update (from the evolution path).
    let c1: Double
    /// Learning rate of the rank-μ update (from the generation's steps).
    let cmu: Double
    /// Cumulation rate and damping of the step-size path.
    let cSigma: Double
    let dSigma: Double
    /// Cumulation rate of the covariance path.
    let cc: Double
    /// E‖N(0, I)‖, approximated as in the tutorial.
    let chiN: Double
    let separable: Bool

    /// λ = 4 + ⌊3 ln n⌋ (eq. 48): 4 in one dimension, 7 in three, 8 in four, 10 in ten.
    static func defaultPopsize(dimension n: Int) -> Int {
        4 + Int((3 * Foundation.log(Double(max(n, 1)))).rounded(.down))
    }

    /// The full-covariance strategy (`cmaes.CMA`) for `popsize` solutions per generation (at
    /// least 2: with one, no solution would be selected).
    static func full(dimension: Int, popsize: Int) -> CMAStrategy {
        let n = Double(dimension), lambda = max(popsize, 2), mu = lambda / 2
        // eq. 49: raw weights, positive for the better half, negative for the rest.
        let raw = (0..<lambda).map { Foundation.log(Double(lambda + 1) / 2) - Foundation.log(Double($0 + 1)) }
        let muEff = selectionMass(raw[..<mu])
        let muEffMinus = selectionMass(raw[mu...])
        let alphaCov = 2.0
        let c1 = alphaCov / ((n + 1.3) * (n + 1.3) + muEff)
        // 1e-8 below 1 - c1 keeps the sum of rates under 1 for a large population.
        let cmu = min(1 - c1 - 1e-8, alphaCov * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + alphaCov * muEff / 2))
        // eqs. 50–52: how much the negative weights may weigh, so the covariance stays positive.
        let alphaMin = min(1 + c1 / cmu, 1 + 2 * muEffMinus / (muEff + 2), (1 - c1 - cmu) / (n * cmu))
        let positive = raw.filter { $0 > 0 }.reduce(0, +)
        let negative = raw.filter { $0 < 0 }.reduce(0) { $0 - $1 }
        let weights = raw.map { $0 >= 0 ? $0 / positive : alphaMin / negative * $0 }
        let cSigma = (muEff + 2) / (n + muEff + 5)
        return CMAStrategy(dimension: dimension, popsize: lambda, mu: mu, weights: weights, muEff: muEff, c1: c1, cmu: cmu,
                           cSigma: cSigma, dSigma: damping(muEff: muEff, n: n, cSigma: cSigma),
                           cc: (4 + muEff / n) / (n + 4 + 2 * muEff / n), chiN: chi(n), separable: false)
    }

    /// The diagonal-covariance strategy (`cmaes.SepCMA`): positive weights only, and learning
    /// rates raised for the n variances it learns instead of n² covariances.
    static func separable(dimension: Int, popsize: Int) -> CMAStrategy {
        let n = Double(dimension), lambda = max(popsize, 2), mu = lambda / 2
        let raw = (0..<mu).map { Foundation.log(Double(mu + 1)) - Foundation.log(Double($0 + 1)) }
        let sum = raw.reduce(0, +)
        let weights = raw.map { $0 / sum }
        let muEff = 1 / weights.reduce(0) { $0 + $1 * $1 }
        let c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff)
        let cmuFull = 2 / muEff / ((n + 2.0.squareRoot()) * (n + 2.0.squareRoot()))
            + (1 - 1 / muEff) * min(1, (2 * muEff - 1) / ((n + 2) * (n + 2) + muEff))
        let cSigma = (muEff + 2) / (n + muEff + 3)
        return CMAStrategy(dimension: dimension, popsize: lambda, mu: mu, weights: weights, muEff: muEff, c1: c1,
                           cmu: (n + 2) / 3 * cmuFull, cSigma: cSigma, dSigma: damping(muEff: muEff, n: n, cSigma: cSigma),
                           cc: 4 / (n + 4), chiN: chi(n), separable: true)
    }

    /// (Σw)² / Σw²: how many equal weights would select as much.
    private static func selectionMass(_ w: ArraySlice<Double>) -> Double {
        let s = w.reduce(0, +)
        return s * s / w.reduce(0) { $0 + $1 * $1 }
    }

    private static func damping(muEff: Double, n: Double, cSigma: Double) -> Double {
        1 + 2 * max(0, ((muEff - 1) / (n + 1)).squareRoot() - 1) + cSigma
    }

    private static func chi(_ n: Double) -> Double {
        n.squareRoot() * (1 - 1 / (4 * n) + 1 / (21 * n * n))
    }
}
