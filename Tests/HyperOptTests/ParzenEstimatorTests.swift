import XCTest
@testable import HyperOpt
import ParzenKernels

final class ParzenEstimatorTests: XCTestCase {
    let options = ParzenEstimator.Options(priorWeight: 1, considerMagicClip: true, considerEndpoints: false)

    private func density(_ estimator: ParzenEstimator, _ points: [[ParamValue]]) -> [Double] {
        let batch = candidateBatch(estimator.domains, points)
        return estimator.logDensity(batch).map(exp)
    }

    private func estimator(_ distributions: [Distribution], observations: [[ParamValue]], weights: [Double]? = nil) -> ParzenEstimator {
        let domains = distributions.map(ParameterDomain.init)
        var rows = [Double]()
        for o in observations {
            for (d, v) in zip(domains, o) { rows.append(d.internalValue(v) ?? .nan) }
        }
        return ParzenEstimator(domains: domains, rows: rows, weights: weights ?? observations.map { _ in 1 }, options: options)
    }

    func testContinuousDensityIntegratesToOne() {
        for log in [false, true] {
            let d = Distribution.float(low: 1e-3, high: 2, log: log, step: nil)
            let obs: [[ParamValue]] = [0.002, 0.05, 0.4, 0.41, 1.99].map { [.float($0)] }
            let parzen = estimator([d], observations: obs, weights: [0.2, 1, 1, 0.5, 1])
            let domain = ParameterDomain(d)
            // Trapezoid rule in the transformed space, where the density lives.
            let steps = 20000
            let h = (domain.high - domain.low) / Double(steps)
            let points = (0...steps).map { i -> [ParamValue] in
                let y = domain.low + Double(i) * h
                return [.float(log ? Foundation.exp(y) : y)]
            }
            let p = density(parzen, points)
            let integral = h * (p.reduce(0, +) - 0.5 * (p[0] + p[steps]))
            XCTAssertEqual(integral, 1, accuracy: 1e-4, "log: \(log)")
        }
    }

    func testDiscreteAndCategoricalMassSumsToOne() {
        let cases: [(Distribution, [ParamValue])] = [
            (.int(low: 1, high: 9, log: false, step: 2), [1, 3, 5, 7, 9].map(ParamValue.int)),
            (.int(low: 1, high: 100, log: true, step: 1), (1...100).map(ParamValue.int)),
            (.float(low: 0, high: 1, log: false, step: 0.25), [0, 0.25, 0.5, 0.75, 1].map(ParamValue.float)),
            (.categorical(choices: ["a", "b", "c"].map(ParamValue.string)), ["a", "b", "c"].map(ParamValue.string)),
        ]
        for (d, values) in cases {
            let parzen = estimator([d], observations: [[values[0]], [values[1]], [values[1]]])
            let total = density(parzen, values.map { [$0] }).reduce(0, +)
            XCTAssertEqual(total, 1, accuracy: 1e-9, "\(d)")
        }
    }

    func testMultivariateDensityIntegratesToOne() {
        // A product of a continuous and a categorical dim: integrate over x, sum over the choices.
        let ds: [Distribution] = [.float(low: -1, high: 1, log: false, step: nil), .categorical(choices: [.int(0), .int(1)])]
        let obs: [[ParamValue]] = [[.float(-0.5), .int(0)], [.float(0.3), .int(1)], [.float(0.35), .int(1)]]
        let parzen = estimator(ds, observations: obs)
        let steps = 4000, h = 2.0 / Double(steps)
        var total = 0.0
        for c in [ParamValue.int(0), .int(1)] {
            let p = density(parzen, (0...steps).map { [.float(-1 + Double($0) * h), c] })
            total += h * (p.reduce(0, +) - 0.5 * (p[0] + p[steps]))
        }
        XCTAssertEqual(total, 1, accuracy: 1e-4)
    }

    func testBandwidthsFollowOptunasRule() {
        // Sorted with the ends: 0 | 0.2 0.5 0.6 | 1. Larger neighbour gap, the outer ones use
        // their inner gap, then clipped to [1 / min(100, 3 + 2), 1].
        let widths = KernelSet.bandwidths([0.5, 0.2, 0.6], order: [1, 0, 2], low: 0, high: 1, options: options)
        XCTAssertEqual(widths[0], 0.3, accuracy: 1e-12)
        XCTAssertEqual(widths[1], 0.3, accuracy: 1e-12)
        XCTAssertEqual(widths[2], 0.2, accuracy: 1e-12)
        var endpoints = options
        endpoints.considerEndpoints = true
        endpoints.considerMagicClip = false
        let wide = KernelSet.bandwidths([0.5, 0.2, 0.6], order: [1, 0, 2], low: 0, high: 1, options: endpoints)
        XCTAssertEqual(wide, [0.3, 0.3, 0.4].map { $0 }, accuracy: 1e-12)
    }

    func testManyKernelsGiveTheSameDensityAsTheFullSum() {
        // Above 64 kernels the density visits only kernels near the candidate; compare with a
        // direct sum of every kernel's term.
        let d = Distribution.float(low: 0, high: 1, log: false, step: nil)
        var g = SeededGenerator(seed: 5)
        let obs: [[ParamValue]] = (0..<300).map { _ in [.float(g.unit() * g.unit())] }
        let parzen = estimator([d], observations: obs)
        let xs: [Double] = [0.001, 0.05, 0.3, 0.77, 0.999]
        let fast = density(parzen, xs.map { [.float($0)] })
        let values = obs.map { $0[0].number ?? 0 }
        let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
        let widths = KernelSet.bandwidths(values, order: order, low: 0, high: 1, options: options)
        func kernel(_ x: Double, _ m: Double, _ s: Double) -> Double {
            let mass = 0.5 * (erfc(-(1 - m) / s / 2.0.squareRoot()) - erfc(m / s / 2.0.squareRoot()))
            return exp(-0.5 * pow((x - m) / s, 2)) / (s * (2 * Double.pi).squareRoot() * mass)
        }
        for (x, f) in zip(xs, fast) {
            var slow = kernel(x, 0.5, 1)
            for (m, s) in zip(values, widths) { slow += kernel(x, m, s) }
            XCTAssertEqual(f, slow / 301, accuracy: 1e-12 * slow)
        }
    }

    func testDrawsFollowTheDensity() {
        // Candidates drawn from the mixture land in each bin as often as its density says.
        let d = Distribution.float(low: 0, high: 10, log: false, step: nil)
        let parzen = estimator([d], observations: [[.float(1)], [.float(1.5)], [.float(7)], [.float(9.9)]])
        var g = SeededGenerator(seed: 12)
        let draws = parzen.sample(count: 40000, using: &g)
        var counts = [Int](repeating: 0, count: 10)
        for i in 0..<draws.count { counts[min(9, Int(draws.values(of: i).first?.number ?? 0))] += 1 }
        for bin in 0..<10 {
            let p = density(parzen, (0...200).map { [.float(Double(bin) + Double($0) / 200)] })
            let mass = (p.reduce(0, +) - 0.5 * (p[0] + p[200])) / 200
            XCTAssertEqual(Double(counts[bin]) / 40000, mass, accuracy: 0.008, "bin \(bin)")
        }
        let cat = estimator([.categorical(choices: ["a", "b", "c"].map(ParamValue.string))], observations: [[.string("b")], [.string("b")]])
        let choices = cat.sample(count: 30000, using: &g)
        let expected = density(cat, ["a", "b", "c"].map { [.string($0)] })
        for (i, choice) in ["a", "b", "c"].enumerated() {
            let share = Double((0..<choices.count).filter { choices.values(of: $0).first == .string(choice) }.count) / 30000
            XCTAssertEqual(share, expected[i], accuracy: 0.01)
        }
    }

    func testFourLaneFastExpEqualsScalarBitForBit() {
        // The mixture sums take their exps four at a time; the sums must not change.
        var g = SeededGenerator(seed: 9)
        for _ in 0..<5000 {
            let x = SIMD4((0..<4).map { _ in -760 + 770 * g.unit() })
            let lanes = fastExp(x)
            for i in 0..<4 {
                XCTAssertEqual(lanes[i].bitPattern, fastExp(x[i]).bitPattern, "x = \(x[i])")
            }
        }
    }

    func testFastExpMatchesExp() {
        var g = SeededGenerator(seed: 8)
        for _ in 0..<20000 {
            let x = -745 + 745 * g.unit()
            let want = x < -700 ? 0 : exp(x)
            XCTAssertEqual(fastExp(x), want, accuracy: max(1.5e-15 * want, 1e-300), "x = \(x)")
        }
        XCTAssertEqual(fastExp(0), 1)
        XCTAssertEqual(fastExp(3.5), exp(3.5), accuracy: 1e-15 * exp(3.5))
    }

    func testTruncatedNormalMassAndQuantile() {
        XCTAssertEqual(exp(TruncatedNormal.logMass(-1, 1)), 0.6826894921370859, accuracy: 1e-14)
        XCTAssertEqual(exp(TruncatedNormal.logMass(2, 3)), 0.021400233916549, accuracy: 1e-14)
        // Far in the tail the mass underflows as a difference, not as a logarithm.
        let far = TruncatedNormal.logMass(40, 41)
        XCTAssertTrue(far.isFinite)
        XCTAssertEqual(far, TruncatedNormal.logUpperTail(40), accuracy: 1e-9)
        XCTAssertEqual(TruncatedNormal.logUpperTail(29.9), TruncatedNormal.logUpperTail(30.1) + 0.5 * (30.1 * 30.1 - 29.9 * 29.9)
                       + log(30.1 / 29.9), accuracy: 1e-2)
        for p in [1e-12, 0.01, 0.3, 0.5, 0.9, 0.999999] {
            let z = TruncatedNormal.quantile(p)
            XCTAssertEqual(0.5 * erfc(-z / 2.0.squareRoot()), p, accuracy: 1e-13 * max(p, 1e-3))
        }
        var g = SeededGenerator(seed: 1)
        for _ in 0..<1000 {
            let a = -3 + 6 * g.unit(), b = a + 0.01 + 5 * g.unit()
            let z = TruncatedNormal.sample(a, b, u: g.unit())
            XCTAssertTrue(z >= a && z <= b)
        }
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
