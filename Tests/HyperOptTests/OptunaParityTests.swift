import Foundation
import TestSupport
import XCTest
@testable import HyperOpt

/// Our Parzen estimator against Optuna's own (`optuna.samplers._tpe.parzen_estimator`) on the
/// same observations: the log densities TPE compares must agree. Needs Python with optuna
/// (HYPERTOP_PYTHON, else <package>/.venv/bin/python); skipped with a message otherwise.
final class OptunaParityTests: XCTestCase {
    private func python() throws -> String { try optunaPython() }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let r = try runProgram(executable, arguments)
        guard r.status == 0 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
        return r.stdout
    }

    func testLogDensityMatchesOptuna() throws {
        let python = try python()
        let space = SearchSpace([
            Parameter(name: "lr", distribution: .float(low: 1e-4, high: 5e-3, log: true, step: nil)),
            Parameter(name: "x", distribution: .float(low: -2, high: 3, log: false, step: nil)),
            Parameter(name: "q", distribution: .float(low: 0, high: 1, log: false, step: 0.25)),
            Parameter(name: "units", distribution: .int(low: 4, high: 512, log: true, step: 1)),
            Parameter(name: "batch", distribution: .int(low: 16, high: 256, log: false, step: 16)),
            Parameter(name: "act", distribution: .categorical(choices: [.string("relu"), .string("tanh"), .string("gelu")])),
        ])
        let domains = space.parameters.map { ParameterDomain($0.distribution) }
        // 100 observations: enough for the ramped weights, the magic clip and the windowed sum.
        let observations = randomObservations(space, count: 100, seed: 21) { _ in 0 }
        let queries = randomObservations(space, count: 30, seed: 22) { _ in 0 }
        let weights = TPESampler.weights(observations.count)
        var rows = [Double]()
        for o in observations {
            for (p, d) in zip(space.parameters, domains) { rows.append(d.internalValue(o.params[p.name] ?? .null) ?? .nan) }
        }
        let options = ParzenEstimator.Options(priorWeight: 1, considerMagicClip: true, considerEndpoints: false)
        let ours = ParzenEstimator(domains: domains, rows: rows, weights: weights, options: options)
        let batch = candidateBatch(domains, queries.map { q in space.parameters.map { q.params[$0.name] ?? .null } })
        let mine = ours.logDensity(batch)

        func column(_ list: [Observation], _ p: Parameter) -> String {
            "[" + list.map { o in
                let v = o.params[p.name] ?? .null
                if case .categorical(let choices) = p.distribution { return String(choices.firstIndex(of: v) ?? -1) }
                return v.number.map { "\($0)" } ?? "nan"
            }.joined(separator: ",") + "]"
        }
        let script = """
        import numpy as np
        from optuna.distributions import FloatDistribution as F, IntDistribution as I, CategoricalDistribution as C
        from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
        from optuna.samplers._tpe.sampler import default_weights
        space = {"lr": F(1e-4, 5e-3, log=True), "x": F(-2, 3), "q": F(0, 1, step=0.25),
                 "units": I(4, 512, log=True), "batch": I(16, 256, step=16), "act": C(["relu", "tanh", "gelu"])}
        obs = {\(space.parameters.map { "\"\($0.name)\": np.array(\(column(observations, $0)), dtype=float)" }.joined(separator: ", "))}
        qs = {\(space.parameters.map { "\"\($0.name)\": np.array(\(column(queries, $0)), dtype=float)" }.joined(separator: ", "))}
        pe = _ParzenEstimator(obs, space, _ParzenEstimatorParameters(1.0, True, False, default_weights, True))
        print(" ".join(repr(float(v)) for v in pe.log_pdf(qs)))
        """
        let theirs = try run(python, ["-c", script]).split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(theirs.count, mine.count)
        for (a, b) in zip(mine, theirs) {
            // Agreement is ~1e-13 but for rare bins where the two erfc paths differ by ~1e-8.
            XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)))
        }
    }
}
