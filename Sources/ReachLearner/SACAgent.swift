import Foundation

/// Which of the twin critics' values the targets and the actor use: the minimum (SAC/TD3's guard against
/// over-estimation) or the maximum (the tutorial's contrast).
public enum CriticSelect: String, Sendable, CaseIterable { case min, max }

/// The entropy coefficient alpha: learned toward a target entropy of -d (SB3's "auto" / "auto_<init>"),
/// or fixed.
public enum EntropyCoefficient: Sendable, Equatable {
    case auto(initial: Double)
    case fixed(Double)
}

public struct AgentSettings: Sendable, Equatable {
    public var learningRate = 0.001
    public var gamma = 0.95
    public var tau = 0.05
    public var criticSelect = CriticSelect.min
    public var batchSize = 128
    public var hiddenSize = 64
    public var entropyCoefficient = EntropyCoefficient.auto(initial: 0.1)

    public init() {}
}

/// Losses of one gradient step, for logging.
public struct TrainingStep: Sendable {
    public var criticLoss: Double
    public var actorLoss: Double
    public var entropyCoefficient: Double
}

/// Soft actor-critic with twin critics and Polyak-averaged target critics, in the order SB3's SAC.train
/// uses: entropy coefficient, critics, then the actor against the freshly updated critics.
public struct SACAgent: Sendable {
    public let settings: AgentSettings
    public let observationSize: Int, actionSize: Int
    public internal(set) var actor: MLP
    public internal(set) var critics: [MLP]
    private var targets: [MLP]
    private var actorOptimizer: Adam
    private var criticOptimizers: [Adam]
    private var logAlpha: [Float]
    private var alphaOptimizer: Adam
    private var rng: SeededRandom

    public init(observationSize: Int, actionSize: Int, settings: AgentSettings, rng: SeededRandom) {
        self.settings = settings
        self.observationSize = observationSize
        self.actionSize = actionSize
        var rng = rng
        let h = settings.hiddenSize
        actor = MLP(sizes: [observationSize, h, h, 2 * actionSize], rng: &rng)
        critics = [MLP(sizes: [observationSize + actionSize, h, h, 1], rng: &rng),
                   MLP(sizes: [observationSize + actionSize, h, h, 1], rng: &rng)]
        self.rng = rng
        targets = critics
        actorOptimizer = Adam(count: actor.parameters.count, learningRate: settings.learningRate)
        criticOptimizers = critics.map { Adam(count: $0.parameters.count, learningRate: settings.learningRate) }
        switch settings.entropyCoefficient {
        case .auto(let initial), .fixed(let initial): logAlpha = [Float(log(initial))]
        }
        alphaOptimizer = Adam(count: 1, learningRate: settings.learningRate)
    }

    public var entropyCoefficient: Double { Double(Foundation.exp(logAlpha[0])) }

    /// Actions in [-1, 1]^d for one observation: a policy sample, or tanh(mean) when `deterministic`.
    public mutating func act(_ observation: [Float], deterministic: Bool) -> [Double] {
        let out = actor.predict(observation, batch: 1)
        let noise = deterministic ? [Float](repeating: 0, count: actionSize) : drawNoise(1)
        return SquashedGaussian(actorOutput: out, batch: 1, dimensions: actionSize, noise: noise).actions.map(Double.init)
    }

    public mutating func train(_ batch: TransitionBatch) -> TrainingStep {
        let n = batch.size, d = actionSize
        let actorTrace = actor.forward(batch.observations, batch: n)
        let policy = SquashedGaussian(actorOutput: actorTrace.output, batch: n, dimensions: d, noise: drawNoise(n))

        let alpha = Foundation.exp(logAlpha[0])
        if case .auto = settings.entropyCoefficient {
            let targetEntropy = -Float(d)
            let meanGap = policy.logProbabilities.reduce(0) { $0 + ($1 + targetEntropy) } / Float(n)
            alphaOptimizer.step(&logAlpha, gradient: [-meanGap])
        }

        let criticLoss = updateCritics(batch, alpha: alpha)
        let actorLoss = updateActor(batch, trace: actorTrace, policy: policy, alpha: alpha)
        for k in 0..<2 { targets[k].softUpdate(toward: critics[k], tau: Float(settings.tau)) }
        return TrainingStep(criticLoss: Double(criticLoss), actorLoss: Double(actorLoss),
                            entropyCoefficient: entropyCoefficient)
    }

    private mutating func updateCritics(_ batch: TransitionBatch, alpha: Float) -> Float {
        let n = batch.size, d = actionSize
        let next = SquashedGaussian(actorOutput: actor.predict(batch.nextObservations, batch: n), batch: n,
                                    dimensions: d, noise: drawNoise(n))
        let nextInput = concat(batch.nextObservations, next.actions, rows: n)
        let q1 = targets[0].predict(nextInput, batch: n), q2 = targets[1].predict(nextInput, batch: n)
        let gamma = Float(settings.gamma)
        var y = [Float](repeating: 0, count: n)
        for b in 0..<n {
            y[b] = batch.rewards[b] + gamma * (select(q1[b], q2[b]) - alpha * next.logProbabilities[b])
        }
        let input = concat(batch.observations, batch.actions, rows: n)
        var loss: Float = 0
        for k in 0..<2 {
            let trace = critics[k].forward(input, batch: n)
            var g = [Float](repeating: 0, count: n)
            var sq: Float = 0
            for b in 0..<n {
                let e = trace.output[b] - y[b]
                sq += e * e
                g[b] = e / Float(n)
            }
            loss += 0.5 * sq / Float(n)
            var gradient = [Float](repeating: 0, count: critics[k].parameters.count)
            gradient.withUnsafeMutableBufferPointer { p in
                _ = critics[k].backward(trace, outputGradient: g, parameterGradient: p.baseAddress, wantInputGradient: false)
            }
            criticOptimizers[k].step(&critics[k].parameters, gradient: gradient)
        }
        return loss
    }

    private mutating func updateActor(_ batch: TransitionBatch, trace: MLP.Trace, policy: SquashedGaussian,
                                      alpha: Float) -> Float {
        let (loss, gradient) = actorLossGradient(observations: batch.observations, trace: trace, policy: policy, alpha: alpha)
        actorOptimizer.step(&actor.parameters, gradient: gradient)
        return loss
    }

    /// Actor loss mean(alpha * log pi(a|s) - select(Q1, Q2)(s, a)) and its gradient in the actor's
    /// parameters; the critics are held fixed. Internal so tests can check it against finite differences.
    func actorLossGradient(observations: [Float], trace: MLP.Trace, policy: SquashedGaussian,
                           alpha: Float) -> (loss: Float, gradient: [Float]) {
        let n = trace.batch, d = actionSize
        let input = concat(observations, policy.actions, rows: n)
        let t1 = critics[0].forward(input, batch: n), t2 = critics[1].forward(input, batch: n)
        var g1 = [Float](repeating: 0, count: n), g2 = g1
        var loss: Float = 0
        for b in 0..<n {
            let q = select(t1.output[b], t2.output[b])
            loss += alpha * policy.logProbabilities[b] - q
            if q == t1.output[b] { g1[b] = -1 / Float(n) } else { g2[b] = -1 / Float(n) }
        }
        let in1 = critics[0].backward(t1, outputGradient: g1, parameterGradient: nil, wantInputGradient: true) ?? []
        let in2 = critics[1].backward(t2, outputGradient: g2, parameterGradient: nil, wantInputGradient: true) ?? []
        let width = observationSize + d
        var actionGradient = [Float](repeating: 0, count: n * d)
        for b in 0..<n {
            for i in 0..<d { actionGradient[b * d + i] = in1[b * width + observationSize + i] + in2[b * width + observationSize + i] }
        }
        let outputGradient = policy.actorOutputGradient(
            actionGradient: actionGradient, logProbabilityGradient: [Float](repeating: alpha / Float(n), count: n))
        var gradient = [Float](repeating: 0, count: actor.parameters.count)
        gradient.withUnsafeMutableBufferPointer { p in
            _ = actor.backward(trace, outputGradient: outputGradient, parameterGradient: p.baseAddress, wantInputGradient: false)
        }
        return (loss / Float(n), gradient)
    }

    @inline(__always)
    private func select(_ a: Float, _ b: Float) -> Float {
        settings.criticSelect == .min ? Swift.min(a, b) : Swift.max(a, b)
    }

    private mutating func drawNoise(_ rows: Int) -> [Float] {
        (0..<(rows * actionSize)).map { _ in Float(rng.normal()) }
    }
}

/// Rows of `a` followed by rows of `b`: the critics' input [observation | action].
func concat(_ a: [Float], _ b: [Float], rows: Int) -> [Float] {
    let wa = a.count / rows, wb = b.count / rows
    var out = [Float]()
    out.reserveCapacity(a.count + b.count)
    for r in 0..<rows {
        out.append(contentsOf: a[(r * wa)..<((r + 1) * wa)])
        out.append(contentsOf: b[(r * wb)..<((r + 1) * wb)])
    }
    return out
}
