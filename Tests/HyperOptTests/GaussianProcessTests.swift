import Foundation
import XCTest
@testable import HyperOpt

/// The GP sampler's model (issue 15): posterior and marginal likelihood against numpy, the
/// likelihood's gradient against finite differences, log EI against its direct formula.
final class GaussianProcessTests: XCTestCase {
    struct Fixture: Decodable {
        var x: [[Double]], y: [Double], categorical: [Bool], eta: [Double], scale: Double, noise: Double
        var tests: [[Double]], means: [Double], variances: [Double]
        var log_marginal_likelihood: Double
    }

    func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gp_posterior.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testPosteriorAndLikelihoodMatchNumpy() throws {
        let f = try fixture()
        let gp = try XCTUnwrap(GaussianProcess(x: f.x, y: f.y, categorical: f.categorical,
                                               parameters: GPParameters(inverseSquaredLengthscales: f.eta, kernelScale: f.scale, noiseVariance: f.noise)))
        for (i, t) in f.tests.enumerated() {
            let p = gp.posterior(at: t)
            XCTAssertEqual(p.mean, f.means[i], accuracy: 1e-10, "mean at \(t)")
            XCTAssertEqual(p.variance, f.variances[i], accuracy: 1e-10, "variance at \(t)")
        }
        XCTAssertEqual(gp.logMarginalLikelihood, f.log_marginal_likelihood, accuracy: 1e-10)
    }

    func testTheLikelihoodGradientIsTheFiniteDifferences() throws {
        let f = try fixture()
        let base = GPParameters(inverseSquaredLengthscales: f.eta, kernelScale: f.scale, noiseVariance: 0.05)
        let gp = try XCTUnwrap(GaussianProcess(x: f.x, y: f.y, categorical: f.categorical, parameters: base))
        let analytic = gp.logMarginalLikelihoodGradient
        let h = 1e-6
        for k in base.logs.indices {
            var up = base.logs, down = base.logs
            up[k] += h
            down[k] -= h
            let lu = try XCTUnwrap(GaussianProcess(x: f.x, y: f.y, categorical: f.categorical, parameters: GPParameters(logs: up))).logMarginalLikelihood
            let ld = try XCTUnwrap(GaussianProcess(x: f.x, y: f.y, categorical: f.categorical, parameters: GPParameters(logs: down))).logMarginalLikelihood
            XCTAssertEqual(analytic[k], (lu - ld) / (2 * h), accuracy: 1e-6, "∂/∂ log θ\(k)")
        }
    }

    func testCholeskySolvesAndRefusesWhatIsNotPositiveDefinite() throws {
        let a = [4.0, 2, 0.4, 2, 5, 1, 0.4, 1, 3]
        let c = try XCTUnwrap(Cholesky(a, n: 3))
        let x = c.solve([1, 2, 3])
        for i in 0..<3 {
            XCTAssertEqual((0..<3).reduce(0) { $0 + a[i * 3 + $1] * x[$1] }, [1.0, 2, 3][i], accuracy: 1e-12)
        }
        XCTAssertEqual(c.logDeterminant, log(4.0 * 5 * 3 + 2 * 1 * 0.4 * 2 - 0.4 * 5 * 0.4 - 2 * 2 * 3 - 1 * 1 * 4), accuracy: 1e-12)
        XCTAssertNil(Cholesky([1, 2, 2, 1], n: 2), "indefinite")
        XCTAssertNil(GaussianProcess(x: [[0.5], [0.5]], y: [1, 2], categorical: [false],
                                     parameters: GPParameters(inverseSquaredLengthscales: [1], kernelScale: 1, noiseVariance: 0)),
                     "two equal points without noise")
    }

    func testLogExpectedImprovementIsTheDirectFormulaAndStaysFiniteFarBelow() {
        func direct(_ mean: Double, _ variance: Double, _ best: Double) -> Double {
            let s = variance.squareRoot(), z = (mean - best) / s
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot()), pdf = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            return log(s * (z * cdf + pdf))
        }
        for (m, v, b) in [(0.0, 1.0, 0.0), (1.0, 0.25, 0.2), (-2.0, 4.0, 1.0), (0.0, 1.0, 8.0), (0.3, 0.01, 1.5)] {
            XCTAssertEqual(logExpectedImprovement(mean: m, variance: v, best: b), direct(m, v, b), accuracy: 1e-9, "\(m), \(v), \(b)")
        }
        // Where EI underflows to 0, its log is still finite and decreasing, and the two forms meet at z = -30.
        let far = [-29.9, -30.1, -50, -100, -1000].map { logH($0) }
        XCTAssertTrue(far.allSatisfy(\.isFinite), "\(far)")
        XCTAssertTrue(zip(far, far.dropFirst()).allSatisfy { $0 > $1 })
        func asymptotic(_ z: Double) -> Double {
            let w = 1 / (z * z)
            return -0.5 * z * z - 0.5 * log(2 * Double.pi) - log(z * z) + log(1 - 3 * w + 15 * w * w - 105 * w * w * w + 945 * w * w * w * w)
        }
        for z in [-10.0, -20, -25, -29.999] { XCTAssertEqual(logH(z), asymptotic(z), accuracy: 2e-6 * abs(logH(z)), "the two forms agree at \(z)") }
        XCTAssertEqual(logH(-1000), -0.5 * 1e6 - 0.5 * log(2 * Double.pi) - log(1e6) + log(1 - 3e-6), accuracy: 1e-6)
    }

    func testTheInverseIsTheInverse() throws {
        let a = [4.0, 2, 0.4, 0.1, 2, 5, 1, 0.3, 0.4, 1, 3, 0.2, 0.1, 0.3, 0.2, 2]
        let inv = try XCTUnwrap(Cholesky(a, n: 4)).inverse()
        for i in 0..<4 {
            for j in 0..<4 {
                let v = (0..<4).reduce(0) { $0 + a[i * 4 + $1] * inv[$1 * 4 + j] }
                XCTAssertEqual(v, i == j ? 1 : 0, accuracy: 1e-12, "(A A⁻¹)[\(i)][\(j)]")
            }
        }
    }

    /// The local optimiser climbs the acquisition by its gradient in the point: the posterior's
    /// mean and variance gradients, and log EI's derivatives, against finite differences.
    func testThePosteriorAndLogEIGradientsAreTheFiniteDifferences() throws {
        let f = try fixture()
        let gp = try XCTUnwrap(GaussianProcess(x: f.x, y: f.y, categorical: f.categorical,
                                               parameters: GPParameters(inverseSquaredLengthscales: f.eta, kernelScale: f.scale, noiseVariance: f.noise)))
        let h = 1e-6
        for t in f.tests {
            let p = gp.posterior(at: t, gradient: true)
            for e in t.indices {
                var up = t, down = t
                if f.categorical[e] {
                    XCTAssertEqual(p.dMean[e], 0, "no gradient on a categorical input")
                    continue
                }
                up[e] += h
                down[e] -= h
                let (mu, vu) = (gp.posterior(at: up).mean, gp.posterior(at: up).variance)
                let (md, vd) = (gp.posterior(at: down).mean, gp.posterior(at: down).variance)
                XCTAssertEqual(p.dMean[e], (mu - md) / (2 * h), accuracy: 1e-5, "∂μ/∂x\(e) at \(t)")
                XCTAssertEqual(p.dVariance[e], (vu - vd) / (2 * h), accuracy: 1e-5, "∂σ²/∂x\(e) at \(t)")
            }
        }
        for (m, v, b) in [(0.0, 1.0, 0.0), (1.0, 0.25, 0.2), (-2.0, 4.0, 1.0), (0.0, 0.01, 1.0), (-40.0, 1.0, 0.0)] {
            let d = logExpectedImprovementWithDerivatives(mean: m, variance: v, best: b)
            XCTAssertEqual(d.value, logExpectedImprovement(mean: m, variance: v, best: b), accuracy: 1e-12)
            let s = v.squareRoot()
            let dm = (logExpectedImprovement(mean: m + h, variance: v, best: b) - logExpectedImprovement(mean: m - h, variance: v, best: b)) / (2 * h)
            let ds = (logExpectedImprovement(mean: m, variance: (s + h) * (s + h), best: b)
                - logExpectedImprovement(mean: m, variance: (s - h) * (s - h), best: b)) / (2 * h)
            XCTAssertEqual(d.dMean, dm, accuracy: 1e-4 * max(1, abs(dm)), "∂/∂μ at \(m), \(v), \(b)")
            XCTAssertEqual(d.dSigma, ds, accuracy: 1e-4 * max(1, abs(ds)), "∂/∂σ at \(m), \(v), \(b)")
        }
    }

    /// The fit's objective (the negative log posterior of the kernel's parameters, noise kept
    /// above its minimum as Optuna keeps it) has the gradient its finite differences give.
    func testTheFitObjectiveGradientIsTheFiniteDifferences() throws {
        let f = try fixture()
        let pairs = PairDifferences(x: f.x, categorical: f.categorical)
        let raw = f.eta.map(log) + [log(f.scale), log(0.02)]
        let (_, grad) = try XCTUnwrap(GPFit.objective(raw, x: f.x, y: f.y, categorical: f.categorical, pairs: pairs))
        let h = 1e-6
        for k in raw.indices {
            var up = raw, down = raw
            up[k] += h
            down[k] -= h
            let vu = try XCTUnwrap(GPFit.objective(up, x: f.x, y: f.y, categorical: f.categorical, pairs: pairs)).0
            let vd = try XCTUnwrap(GPFit.objective(down, x: f.x, y: f.y, categorical: f.categorical, pairs: pairs)).0
            XCTAssertEqual(grad[k], (vu - vd) / (2 * h), accuracy: 1e-5, "∂/∂raw\(k)")
        }
        XCTAssertEqual(GPFit.parameters(raw: [0, 0, -50]).noiseVariance, GPFit.minimumNoise, accuracy: 1e-12, "the noise never goes under its minimum")
    }

    func testTheBatchPosteriorIsThePointwiseOne() throws {
        let f = try fixture()
        let gp = try XCTUnwrap(GaussianProcess(x: f.x, y: f.y, categorical: f.categorical,
                                               parameters: GPParameters(inverseSquaredLengthscales: f.eta, kernelScale: f.scale, noiseVariance: f.noise)))
        var g = SeededGenerator(seed: 3)
        // 11 points: two full groups of four and a partial one.
        let points = (0..<11).map { _ in [g.unit(), g.unit(), Double(Int(g.unit() * 3))] } + f.tests
        let batch = gp.posteriors(at: points)
        for (i, p) in points.enumerated() {
            let one = gp.posterior(at: p)
            XCTAssertEqual(batch.means[i], one.mean, accuracy: 1e-12, "mean at \(p)")
            XCTAssertEqual(batch.variances[i], one.variance, accuracy: 1e-12, "variance at \(p)")
        }
    }
    /// A random process of `n` points in three numeric inputs and one categorical (3 choices).
    func randomProcess(n: Int, seed: UInt64) throws -> GaussianProcess {
        var g = SeededGenerator(seed: seed)
        let x = (0..<n).map { _ in [g.unit(), g.unit(), g.unit(), Double(Int(g.unit() * 3))] }
        let y = x.map { sin(5 * $0[0]) + $0[1] * $0[2] - 0.3 * $0[3] }
        let parameters = GPParameters(inverseSquaredLengthscales: [3, 0.5, 8, 1], kernelScale: 1.3, noiseVariance: 1e-4)
        return try XCTUnwrap(GaussianProcess(x: x, y: y, categorical: [false, false, false, true], parameters: parameters))
    }

    /// The speed path agrees with the pointwise posterior over several blocks of candidates, a
    /// last block that is not a multiple of four, a process of one point, and one candidate.
    func testTheBatchPosteriorIsThePointwiseOneOverManyBlocks() throws {
        var g = SeededGenerator(seed: 8)
        for (n, m) in [(60, 2 * GaussianProcess.posteriorBlockSize + 7), (1, 5), (17, 1)] {
            let gp = try randomProcess(n: n, seed: UInt64(n))
            let points = (0..<m).map { _ in [g.unit(), g.unit(), g.unit(), Double(Int(g.unit() * 3))] } + [gp.x[0]]
            let batch = gp.posteriors(at: points)
            XCTAssertEqual(batch.means.count, points.count)
            for (i, p) in points.enumerated() {
                let one = gp.posterior(at: p)
                XCTAssertEqual(batch.means[i], one.mean, accuracy: 1e-12, "n \(n), mean at \(p)")
                XCTAssertEqual(batch.variances[i], one.variance, accuracy: 1e-12, "n \(n), variance at \(p)")
            }
        }
    }

    /// A running trial is believed to come out at the posterior mean: the mean there stays, the
    /// uncertainty there shrinks, and the observed points are kept.
    func testABelievedPointKeepsItsMeanAndLosesItsUncertainty() throws {
        let gp = try randomProcess(n: 20, seed: 4)
        let running = [[0.5, 0.5, 0.5, 1.0], [0.1, 0.9, 0.3, 2.0]]
        let believing = gp.believing(running)
        XCTAssertEqual(believing.x, gp.x + running)
        for u in running {
            let before = gp.posterior(at: u), after = believing.posterior(at: u)
            XCTAssertEqual(after.mean, before.mean, accuracy: 1e-9, "at \(u)")
            XCTAssertLessThan(after.variance, before.variance / 10, "at \(u)")
        }
    }
}
