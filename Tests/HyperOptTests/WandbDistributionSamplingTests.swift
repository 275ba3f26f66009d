import Foundation
import XCTest
@testable import HyperOpt

/// What hypertop's random sampler draws for each W&B distribution it accepts, against what W&B
/// draws (`HyperParameter.cdf` and `ppf` in wandb/sweeps' `params.py`): the same law for the
/// continuous ones, the same values for the stepped ones.
final class WandbDistributionSamplingTests: XCTestCase {
    func drawn(_ body: String, method: String = "random", count: Int = 4000) throws -> [Double] {
        let yaml = "program: t.py\nmethod: \(method)\nmetric: {name: loss}\nparameters:\n  p:\n" + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        let d = try XCTUnwrap(ConfigLoader.parse(yaml, path: "/tmp/s.yaml").space.parameters.first).distribution
        var g = SeededGenerator(seed: 11)
        return (0..<count).map { _ in d.sampleUniform(using: &g).number ?? .nan }
    }

    /// The largest gap between the draws' empirical CDF and W&B's (Kolmogorov-Smirnov).
    func gap(_ xs: [Double], _ cdf: (Double) -> Double) -> Double {
        let sorted = xs.sorted()
        let n = Double(sorted.count)
        return sorted.enumerated().map { i, x in max(abs(Double(i + 1) / n - cdf(x)), abs(Double(i) / n - cdf(x))) }.max() ?? 1
    }

    /// 1.63 / sqrt(4000): the 1% critical value; a wrong transform (log_uniform's bounds taken as
    /// values, inv_log_uniform's range turned over) misses it by far.
    let critical = 0.026

    func testContinuousDistributionsDrawWandBsLaw() throws {
        // uniform: stats.uniform.cdf(x, min, max - min)
        XCTAssertLessThan(gap(try drawn("min: 0.0\nmax: 2.0")) { $0 / 2 }, critical)
        // log_uniform: uniform.cdf(log(x), min, max - min): min and max are natural logs.
        let logs = try drawn("distribution: log_uniform\nmin: -9.2\nmax: -2.3")
        XCTAssertLessThan(gap(logs) { (log($0) + 9.2) / 6.9 }, critical)
        XCTAssertEqual(logs.min()!, exp(-9.2), accuracy: 2e-5)
        // log_uniform_values: uniform.cdf(log(x), log(min), log(max) - log(min)).
        let values = try drawn("distribution: log_uniform_values\nmin: 0.0001\nmax: 0.1")
        XCTAssertLessThan(gap(values) { (log($0) - log(0.0001)) / (log(0.1) - log(0.0001)) }, critical)
        // The same numbers, read both ways: exponents give [e, e^3], values [1, 3].
        let asLogs = try drawn("distribution: log_uniform\nmin: 1\nmax: 3"), asValues = try drawn("distribution: log_uniform_values\nmin: 1\nmax: 3")
        XCTAssertEqual(asLogs.min()!, exp(1), accuracy: 0.01)
        XCTAssertEqual(asLogs.max()!, exp(3), accuracy: 0.05)
        XCTAssertEqual(asValues.min()!, 1, accuracy: 0.01)
        XCTAssertEqual(asValues.max()!, 3, accuracy: 0.01)
        // inv_log_uniform: 1 - uniform.cdf(log(1 / x), min, max - min).
        XCTAssertLessThan(gap(try drawn("distribution: inv_log_uniform\nmin: 2.3\nmax: 9.2")) { 1 - (log(1 / $0) - 2.3) / 6.9 }, critical)
        // inv_log_uniform_values: 1 - uniform.cdf(log(1 / x), -log(max), |log(max) - log(min)|).
        XCTAssertLessThan(gap(try drawn("distribution: inv_log_uniform_values\nmin: 0.0001\nmax: 0.1")) {
            1 - (log(1 / $0) + log(0.1)) / abs(log(0.1) - log(0.0001))
        }, critical)
    }

    func testSteppedDistributionsDrawWandBsValues() throws {
        // int_uniform: stats.randint(min, max + 1).
        XCTAssertEqual(Set(try drawn("min: 2\nmax: 6")), [2, 3, 4, 5, 6])
        // q_uniform: np.round(uniform(min, max) / q) * q.
        XCTAssertEqual(Set(try drawn("distribution: q_uniform\nmin: 1\nmax: 10\nq: 3")), [0, 3, 6, 9])
        // q_uniform in a grid: np.arange(min, max, q).
        XCTAssertEqual(Set(try drawn("distribution: q_uniform\nmin: 1\nmax: 10\nq: 3", method: "grid")), [1, 4, 7])
        // q_log_uniform_values with q 1: np.round(exp(uniform(log(min), log(max)))).
        let whole = try drawn("distribution: q_log_uniform_values\nmin: 1\nmax: 50\nq: 1", count: 20000)
        XCTAssertEqual(Set(whole), Set((1...50).map(Double.init)))
        XCTAssertGreaterThan(whole.filter { $0 <= 7 }.count, whole.count / 2, "on a log scale, half the draws are at most sqrt(50)")
    }
}
