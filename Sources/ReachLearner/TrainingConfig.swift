/// Everything one run of reach-trainer is told; defaults learn the 2-D task in a few seconds.
public struct TrainingConfig: Sendable, Equatable {
    public var environmentName = "Reach3D-v0"
    public var environment = ReachEnvironment(dimensions: 3)
    /// nil: a fresh seed is drawn and printed, so that repeats of one parameter set differ.
    public var seed: UInt64?
    public var nEpochs = 20
    /// Environment steps between evaluations; one epoch.
    public var evalAfterNSteps = 1000
    public var nTestRollouts = 20
    public var earlyStopThreshold = 0.9
    public var earlyStopDataColumn = "eval/success_rate"
    public var earlyStopLastN = 3
    public var useHER = true
    /// Steps of uniformly random actions before the first gradient step (SB3's learning_starts).
    public var learningStarts = 256
    public var bufferSize = 100_000
    public var agent = AgentSettings()

    public init() {}

    public var totalTimesteps: Int { nEpochs * evalAfterNSteps }
}

/// The keys reach-trainer accepts, as Hydra overrides and as keys of a `+performance=` config file.
public enum JobKey: String, CaseIterable, Sendable {
    case env, seed
    case nEpochs = "n_epochs"
    case evalAfterNSteps = "eval_after_n_steps"
    case nTestRollouts = "n_test_rollouts"
    case earlyStopThreshold = "early_stop_threshold"
    case earlyStopDataColumn = "early_stop_data_column"
    case earlyStopLastN = "early_stop_last_n"
    /// Read by the sweep, not the job: accepted and ignored.
    case hyperoptCriterion = "hyperopt_criterion"
    case learningRate = "algorithm.learning_rate"
    case gamma = "algorithm.gamma"
    case tau = "algorithm.tau"
    case criticSelect = "algorithm.critic_select"
    case useHER = "algorithm.use_her"
    case batchSize = "algorithm.batch_size"
    case learningStarts = "algorithm.learning_starts"
    case bufferSize = "algorithm.buffer_size"
    case entCoef = "algorithm.ent_coef"
    case hiddenSize = "algorithm.hidden_size"

    /// Sets this key in `config`, or returns what the value should have been.
    func apply(_ value: HydraValue, to config: inout TrainingConfig) -> String? {
        switch self {
        case .env:
            let names = ReachEnvironment.catalog.map(\.name)
            guard let name = value.text, let environment = ReachEnvironment.named(name) else {
                return "one of " + names.joined(separator: ", ")
            }
            config.environmentName = name
            config.environment = environment
        case .seed:
            guard let n = value.integer, n >= 0 else { return "an integer >= 0" }
            config.seed = UInt64(n)
        case .nEpochs: return setInteger(value, min: 1, &config.nEpochs)
        case .evalAfterNSteps: return setInteger(value, min: 1, &config.evalAfterNSteps)
        case .nTestRollouts: return setInteger(value, min: 1, &config.nTestRollouts)
        case .earlyStopThreshold:
            guard let x = value.number, !x.isNaN else { return "a number" }
            config.earlyStopThreshold = x
        case .earlyStopDataColumn:
            guard let name = value.text, TrainingMetrics.keys.contains(name) else {
                return "a metric reach-trainer logs: " + TrainingMetrics.keys.joined(separator: ", ")
            }
            config.earlyStopDataColumn = name
        case .earlyStopLastN: return setInteger(value, min: 1, &config.earlyStopLastN)
        case .hyperoptCriterion: break
        case .learningRate:
            guard let x = value.number, x > 0, x.isFinite else { return "a number > 0" }
            config.agent.learningRate = x
        case .gamma:
            guard let x = value.number, x >= 0, x <= 1 else { return "a number in [0, 1]" }
            config.agent.gamma = x
        case .tau:
            guard let x = value.number, x > 0, x <= 1 else { return "a number in (0, 1]" }
            config.agent.tau = x
        case .criticSelect:
            guard let name = value.text, let select = CriticSelect(rawValue: name) else { return "min or max" }
            config.agent.criticSelect = select
        case .useHER:
            guard case .bool(let b) = value else { return "true or false" }
            config.useHER = b
        case .batchSize: return setInteger(value, min: 1, max: 4096, &config.agent.batchSize)
        case .learningStarts: return setInteger(value, min: 0, &config.learningStarts)
        case .bufferSize: return setInteger(value, min: 1, &config.bufferSize)
        case .hiddenSize: return setInteger(value, min: 1, max: 1024, &config.agent.hiddenSize)
        case .entCoef:
            let expected = "'auto', 'auto_<initial value>' or a number > 0"
            if let x = value.number {
                guard x > 0, x.isFinite else { return expected }
                config.agent.entropyCoefficient = .fixed(x)
            } else if let text = value.text, text == "auto" || text.hasPrefix("auto_") {
                let initial = text == "auto" ? 1.0 : Double(text.dropFirst(5))
                guard let initial, initial > 0, initial.isFinite else { return expected }
                config.agent.entropyCoefficient = .auto(initial: initial)
            } else {
                return expected
            }
        }
        return nil
    }

    private func setInteger(_ value: HydraValue, min: Int, max: Int = .max, _ field: inout Int) -> String? {
        guard let n = value.integer, n >= min, n <= max else {
            return max == .max ? "an integer >= \(min)" : "an integer in [\(min), \(max)]"
        }
        field = n
        return nil
    }
}

extension HydraValue {
    /// Text of a string value; numbers and booleans are not text.
    var text: String? {
        if case .string(let s, _) = self { return s }
        return nil
    }

    var integer: Int? {
        switch self {
        case .int(let i): return i
        case .float(let f) where f.rounded() == f && abs(f) < 1e15: return Int(f)
        default: return nil
        }
    }

    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        default: return nil
        }
    }
}
