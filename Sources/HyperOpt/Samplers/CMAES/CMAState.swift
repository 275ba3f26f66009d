import Foundation

/// One CMA-ES search distribution, N(mean, σ² C), and the paths that adapt it: `tell` updates it
/// from one generation of scored solutions exactly as the `cmaes` package's `CMA.tell` (or
/// `SepCMA.tell` for a separable strategy) does, so that the same generations give the same
/// state; `ask` draws a solution inside the box [0, 1]ⁿ.
struct CMAState: Sendable {
    let strategy: CMAStrategy
    var mean: [Double]
    var sigma: Double
    /// C, n × n. A separable strategy keeps it diagonal (only the diagonal is read or written).
    var covariance: [[Double]]
    /// The conjugate evolution path, which steers σ.
    var pathSigma: [Double]
    /// The evolution path, which feeds C's rank-one update.
    var pathC: [Double]
    /// Generations told so far.
    private(set) var generation = 0
    /// C's eigen-decomposition (B's columns and D = √eigenvalues), computed when first needed
    /// after C changes, as the package computes it lazily.
    private var eigen: (basis: [[Double]], scales: [Double])?

    /// Largest mean and σ the package allows (it refuses or caps beyond them).
    static let limit = 1e32
    /// What a negative eigenvalue (rounding on a nearly singular C) is taken to be.
    static let eigenFloor = 1e-8

    init(strategy: CMAStrategy, mean: [Double], sigma: Double) {
        let n = strategy.dimension
        self.strategy = strategy
        self.mean = mean
        self.sigma = sigma
        covariance = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        pathSigma = Array(repeating: 0, count: n)
        pathC = Array(repeating: 0, count: n)
    }

    var dimension: Int { strategy.dimension }

    /// B and D with C = B diag(D²) Bᵀ. The full strategy symmetrises C, decomposes it, and
    /// rebuilds C from the decomposition (so a negative eigenvalue is repaired in C too), as
    /// the package does; the separable one reads D off the diagonal.
    private mutating func decomposition() -> (basis: [[Double]], scales: [Double]) {
        if let eigen { return eigen }
        let n = dimension
        let found: (basis: [[Double]], scales: [Double])
        if strategy.separable {
            let identity = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
            found = (identity, (0..<n).map { i in (covariance[i][i] < 0 ? Self.eigenFloor : covariance[i][i]).squareRoot() })
        } else {
            let symmetric = (0..<n).map { i in (0..<n).map { j in (covariance[i][j] + covariance[j][i]) / 2 } }
            let e = SymmetricEigen(symmetric)
            let scales = e.values.map { ($0 < 0 ? Self.eigenFloor : $0).squareRoot() }
            let b = e.vectors
            let squares = scales.map { $0 * $0 }
            for i in 0..<n {
                for j in 0..<n {
                    var sum = 0.0
                    for k in 0..<n { sum += b[i][k] * squares[k] * b[j][k] }
                    covariance[i][j] = sum
                }
            }
            found = (b, scales)
        }
        eigen = found
        return found
    }

    /// One draw from N(mean, σ² C): mean + σ B D z with z standard normal.
    private mutating func draw(using g: inout SeededGenerator) -> [Double] {
        let (b, d) = decomposition()
        let n = dimension
        var dz = [Double](repeating: 0, count: n)
        for k in 0..<n { dz[k] = d[k] * CMAState.standardNormal(using: &g) }
        var x = mean
        for i in 0..<n {
            var y = 0.0
            for k in 0..<n { y += b[i][k] * dz[k] }
            x[i] += sigma * y
        }
        return x
    }

    /// A solution inside [0, 1]ⁿ: drawn again while outside (at most `maxResampling` times, the
    /// package's `n_max_resampling`, which Optuna sets to 10 n), then one more draw clipped.
    mutating func ask(using g: inout SeededGenerator, maxResampling: Int) -> [Double] {
        for _ in 0..<max(maxResampling, 0) {
            let x = draw(using: &g)
            if x.allSatisfy({ $0 >= 0 && $0 <= 1 }) { return x }
        }
        return draw(using: &g).map { min(max($0, 0), 1) }
    }

    /// Updates the distribution from one generation: `solutions` are λ points with their losses
    /// (smaller is better). Ties keep the order given, as the package's stable sort does.
    mutating func tell(_ solutions: [(x: [Double], loss: Double)]) {
        precondition(solutions.count == strategy.popsize, "a generation has popsize solutions")
        let s = strategy, n = dimension
        generation += 1
        let ranked = solutions.indices.sorted { a, b in
            solutions[a].loss < solutions[b].loss || (solutions[a].loss == solutions[b].loss && a < b)
        }.map { solutions[$0].x }
        let (b, d) = decomposition()
        eigen = nil

        // Steps in units of σ, best first; their weighted mean moves the mean.
        let steps = ranked.map { x in (0..<n).map { (x[$0] - mean[$0]) / sigma } }
        var yw = [Double](repeating: 0, count: n)
        for k in 0..<s.mu { for i in 0..<n { yw[i] += s.weights[k] * steps[k][i] } }
        for i in 0..<n { mean[i] += sigma * yw[i] }

        // Step size: the path of C^(-1/2)-whitened steps, compared with its length under random
        // selection; a longer path means steps agree, so σ grows.
        let whiten: ([Double]) -> [Double]
        if s.separable {
            whiten = { y in (0..<n).map { y[$0] / d[$0] } }
        } else {
            // C^(-1/2) y = B D⁻¹ Bᵀ y.
            whiten = { y in
                var coords = [Double](repeating: 0, count: n)
                for k in 0..<n {
                    var sum = 0.0
                    for j in 0..<n { sum += b[j][k] * y[j] }
                    coords[k] = sum / d[k]
                }
                var out = [Double](repeating: 0, count: n)
                for i in 0..<n { for k in 0..<n { out[i] += b[i][k] * coords[k] } }
                return out
            }
        }
        let sigmaGain = (s.cSigma * (2 - s.cSigma) * s.muEff).squareRoot()
        let whitenedMean = whiten(yw)
        for i in 0..<n { pathSigma[i] = (1 - s.cSigma) * pathSigma[i] + sigmaGain * whitenedMean[i] }
        let pathLength = pathSigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
        sigma *= Foundation.exp(s.cSigma / s.dSigma * (pathLength / s.chiN - 1))
        sigma = min(sigma, CMAState.limit)

        // The covariance path stalls (hσ = 0) while the step-size path is unusually long, so that
        // C does not grow too fast while σ is still adapting.
        let stall = pathLength / (1 - Foundation.pow(1 - s.cSigma, Double(2 * (generation + 1)))).squareRoot()
        let hSigma: Double = stall < (1.4 + 2 / Double(n + 1)) * s.chiN ? 1 : 0
        let pathGain = hSigma * (s.cc * (2 - s.cc) * s.muEff).squareRoot()
        for i in 0..<n { pathC[i] = (1 - s.cc) * pathC[i] + pathGain * yw[i] }
        let stallCorrection = (1 - hSigma) * s.cc * (2 - s.cc)
        let keep = 1 + s.c1 * stallCorrection - s.c1 - s.cmu * s.weights.reduce(0, +)

        if s.separable {
            // Diagonal only; the weights are the μ positive ones.
            for i in 0..<n {
                var rankMu = 0.0
                for k in 0..<s.mu { rankMu += s.weights[k] * steps[k][i] * steps[k][i] }
                covariance[i][i] = keep * covariance[i][i] + s.c1 * pathC[i] * pathC[i] + s.cmu * rankMu
            }
            return
        }
        // Active CMA: a negative weight is rescaled by n / ‖C^(-1/2) y‖², so a long bad step
        // shrinks C no more than a short one.
        let effective = (0..<s.popsize).map { k -> Double in
            let w = s.weights[k]
            guard w < 0 else { return w }
            let white = whiten(steps[k])
            return w * Double(n) / (white.reduce(0) { $0 + $1 * $1 } + 1e-8)
        }
        var next = covariance
        for i in 0..<n {
            for j in 0..<n {
                var rankMu = 0.0
                for k in 0..<s.popsize { rankMu += effective[k] * steps[k][i] * steps[k][j] }
                next[i][j] = keep * covariance[i][j] + s.c1 * pathC[i] * pathC[j] + s.cmu * rankMu
            }
        }
        covariance = next
    }

    /// A standard normal draw by Box–Muller (one of the pair; 1 - u keeps the logarithm finite).
    static func standardNormal(using g: inout SeededGenerator) -> Double {
        let u = 1 - g.unit(), v = g.unit()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
}
