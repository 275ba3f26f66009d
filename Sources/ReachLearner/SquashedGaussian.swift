import Foundation

/// SAC's policy distribution: a = tanh(mean + std * eps) with eps ~ N(0, I), for a batch of actor outputs
/// laid out per row as [mean (d) | log std (d)]. Keeps what the backward pass needs.
public struct SquashedGaussian: Sendable {
    static let logStdRange: ClosedRange<Float> = -20...2
    /// SB3's epsilon inside log(1 - a^2 + epsilon), so a saturated tanh keeps a finite log-probability.
    static let squashEpsilon: Float = 1e-6

    public let batch: Int, dimensions: Int
    public private(set) var actions: [Float]
    public private(set) var logProbabilities: [Float]
    private var noise: [Float], stds: [Float], clamped: [Bool]

    /// `noise` is eps (batch x d); all zeros gives the deterministic action tanh(mean).
    public init(actorOutput: [Float], batch: Int, dimensions d: Int, noise: [Float]) {
        self.batch = batch
        dimensions = d
        self.noise = noise
        actions = [Float](repeating: 0, count: batch * d)
        logProbabilities = [Float](repeating: 0, count: batch)
        stds = [Float](repeating: 0, count: batch * d)
        clamped = [Bool](repeating: false, count: batch * d)
        let halfLog2Pi = Float(0.5 * log(2 * Double.pi))
        for b in 0..<batch {
            var logp: Float = 0
            for i in 0..<d {
                let k = b * d + i
                let mean = actorOutput[b * 2 * d + i], rawLogStd = actorOutput[b * 2 * d + d + i]
                let logStd = min(max(rawLogStd, Self.logStdRange.lowerBound), Self.logStdRange.upperBound)
                clamped[k] = logStd != rawLogStd
                let std = Foundation.exp(logStd), eps = noise[k]
                let a = Foundation.tanh(mean + std * eps)
                stds[k] = std
                actions[k] = a
                logp += -0.5 * eps * eps - logStd - halfLog2Pi - Foundation.log(1 - a * a + Self.squashEpsilon)
            }
            logProbabilities[b] = logp
        }
    }

    /// dLoss/d(actor output) from dLoss/d(actions) and dLoss/d(log-probabilities), by the
    /// reparameterisation: u = mean + std * eps with eps held fixed.
    public func actorOutputGradient(actionGradient: [Float], logProbabilityGradient: [Float]) -> [Float] {
        let d = dimensions
        var out = [Float](repeating: 0, count: batch * 2 * d)
        for b in 0..<batch {
            let gLogp = logProbabilityGradient[b]
            for i in 0..<d {
                let k = b * d + i
                let a = actions[k], slope = 1 - a * a
                // d/du of -log(1 - tanh(u)^2 + e) is 2a(1 - a^2) / (1 - a^2 + e).
                let du = actionGradient[k] * slope + gLogp * 2 * a * slope / (slope + Self.squashEpsilon)
                out[b * 2 * d + i] = du
                out[b * 2 * d + d + i] = clamped[k] ? 0 : du * stds[k] * noise[k] - gLogp
            }
        }
        return out
    }
}
