import XCTest
@testable import ReachLearner

/// Hand-written backprop against central finite differences, computed in Double around Float parameters.
final class GradientTests: XCTestCase {
    /// loss = sum(output * weights): its gradient wrt the output is `weights`.
    private func weightedSum(_ net: MLP, _ input: [Float], batch: Int, weights: [Float]) -> Double {
        zip(net.predict(input, batch: batch), weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    private func assertClose(_ analytic: Float, _ numeric: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let tolerance = 2e-3 + 2e-2 * abs(numeric)
        XCTAssertEqual(Double(analytic), numeric, accuracy: tolerance, what, file: file, line: line)
    }

    func testEveryLayerOfTheMLPMatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 7)
        let net = MLP(sizes: [3, 6, 5, 2], rng: &rng)
        let batch = 4
        let input = (0..<(batch * 3)).map { _ in Float(rng.uniform(-1, 1)) }
        let weights = (0..<(batch * 2)).map { _ in Float(rng.uniform(-1, 1)) }
        var gradient = [Float](repeating: 0, count: net.parameters.count)
        let trace = net.forward(input, batch: batch)
        let inputGradient = gradient.withUnsafeMutableBufferPointer { p in
            net.backward(trace, outputGradient: weights, parameterGradient: p.baseAddress, wantInputGradient: true)
        }
        let h: Float = 1e-2
        for layer in 0..<net.layerCount {
            for p in Array(net.weightRange(layer: layer)) + Array(net.biasRange(layer: layer)) {
                var plus = net, minus = net
                plus.parameters[p] += h
                minus.parameters[p] -= h
                let numeric = (weightedSum(plus, input, batch: batch, weights: weights)
                    - weightedSum(minus, input, batch: batch, weights: weights)) / Double(2 * h)
                assertClose(gradient[p], numeric, "layer \(layer) parameter \(p)")
            }
        }
        for k in 0..<input.count {
            var plus = input, minus = input
            plus[k] += h
            minus[k] -= h
            let numeric = (weightedSum(net, plus, batch: batch, weights: weights)
                - weightedSum(net, minus, batch: batch, weights: weights)) / Double(2 * h)
            assertClose(inputGradient?[k] ?? .nan, numeric, "input \(k)")
        }
    }

    func testGradientAccumulatesAcrossCalls() {
        var rng = SeededRandom(seed: 3)
        let net = MLP(sizes: [2, 4, 1], rng: &rng)
        let input: [Float] = [0.3, -0.2]
        var once = [Float](repeating: 0, count: net.parameters.count)
        var twice = once
        let trace = net.forward(input, batch: 1)
        once.withUnsafeMutableBufferPointer { p in
            _ = net.backward(trace, outputGradient: [1], parameterGradient: p.baseAddress, wantInputGradient: false)
        }
        twice.withUnsafeMutableBufferPointer { p in
            for _ in 0..<2 { _ = net.backward(trace, outputGradient: [1], parameterGradient: p.baseAddress, wantInputGradient: false) }
        }
        XCTAssertEqual(twice, once.map { 2 * $0 })
    }

    /// The actor's loss through the squashed Gaussian and the (fixed) twin critics, for both critic choices.
    func testActorLossGradientMatchesFiniteDifferences() {
        for select in CriticSelect.allCases {
            var settings = AgentSettings()
            settings.hiddenSize = 8
            settings.criticSelect = select
            var rng = SeededRandom(seed: 11)
            let agent = SACAgent(observationSize: 4, actionSize: 2, settings: settings, rng: SeededRandom(seed: 5))
            let batch = 3
            let observations = (0..<(batch * 4)).map { _ in Float(rng.uniform(-1, 1)) }
            let noise = (0..<(batch * 2)).map { _ in Float(rng.normal()) }
            let alpha: Float = 0.3

            func loss(_ actor: MLP) -> Double {
                var probe = agent
                probe.actor = actor
                let trace = actor.forward(observations, batch: batch)
                let policy = SquashedGaussian(actorOutput: trace.output, batch: batch, dimensions: 2, noise: noise)
                return Double(probe.actorLossGradient(observations: observations, trace: trace, policy: policy, alpha: alpha).loss)
            }
            let trace = agent.actor.forward(observations, batch: batch)
            let policy = SquashedGaussian(actorOutput: trace.output, batch: batch, dimensions: 2, noise: noise)
            let gradient = agent.actorLossGradient(observations: observations, trace: trace, policy: policy, alpha: alpha).gradient
            let h: Float = 1e-2
            for p in 0..<agent.actor.parameters.count {
                var plus = agent.actor, minus = agent.actor
                plus.parameters[p] += h
                minus.parameters[p] -= h
                assertClose(gradient[p], (loss(plus) - loss(minus)) / Double(2 * h), "\(select) actor parameter \(p)")
            }
        }
    }

    func testSquashedGaussianLogProbabilityIsTheChangeOfVariables() {
        // One dimension, mean 0.5, log std -1, eps 0.7: log N(u) - log(1 - tanh(u)^2 + 1e-6).
        let g = SquashedGaussian(actorOutput: [0.5, -1], batch: 1, dimensions: 1, noise: [0.7])
        let std = exp(-1.0), u = 0.5 + std * 0.7
        let expected = -0.5 * 0.49 - (-1.0) - 0.5 * log(2 * Double.pi) - log(1 - tanh(u) * tanh(u) + 1e-6)
        XCTAssertEqual(Double(g.actions[0]), tanh(u), accuracy: 1e-6)
        XCTAssertEqual(Double(g.logProbabilities[0]), expected, accuracy: 1e-5)
    }
}
