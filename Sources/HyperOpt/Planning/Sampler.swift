import Foundation

public enum Direction: String, Sendable, Hashable, Codable {
    case minimize, maximize

    /// True when `a` is strictly better than `b` in this direction.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        self == .maximize ? a > b : a < b
    }
}

/// A parameter set's values, held once and shared: the study hands every ask the same object for
/// the same set, so a sampler's memo knows a set it has seen by identity (`===`), and compares
/// the values only for an object it has not seen.
public final class ParamSetValues: Sendable, Hashable {
    public let params: Params

    public init(_ params: Params) { self.params = params }

    public static func == (a: ParamSetValues, b: ParamSetValues) -> Bool { a === b || a.params == b.params }
    public func hash(into hasher: inout Hasher) { hasher.combine(params) }
}

/// One scored parameter set as the sampler sees it: the mean of its finished repeats.
public struct Observation: Sendable, Hashable {
    public let values: ParamSetValues
    /// The first objective's value (the only one in a single-objective study).
    public let value: Double
    /// Trial number of the set's first run; orders observations from oldest to newest.
    public let number: Int
    /// Every objective's value, in the study's order (`directions`); `[value]` for one objective.
    public let objectives: [Double]
    /// The constraints' values, feasible when every one is <= 0 (Optuna's rule); nil when the
    /// study has no constraints.
    public let constraints: [Double]?

    public var params: Params { values.params }

    /// Feasible: no constraints, or every constraint <= 0.
    public var isFeasible: Bool { constraints?.allSatisfy { $0 <= 0 } ?? true }
    /// How far from feasible: the sum of the constraints above 0 (0 when feasible).
    public var violation: Double { constraints?.reduce(0) { $0 + max(0, $1) } ?? 0 }

    public init(values: ParamSetValues, value: Double, number: Int) {
        self.values = values
        self.value = value
        self.number = number
        objectives = [value]
        constraints = nil
    }

    /// An observation of several objectives (and constraints); `objectives` is never empty.
    public init(values: ParamSetValues, objectives: [Double], constraints: [Double]?, number: Int) {
        precondition(!objectives.isEmpty, "an observation has at least one objective")
        self.values = values
        value = objectives[0]
        self.objectives = objectives
        self.constraints = constraints
        self.number = number
    }

    public init(params: Params, objectives: [Double], constraints: [Double]? = nil, number: Int) {
        self.init(values: ParamSetValues(params), objectives: objectives, constraints: constraints, number: number)
    }

    public init(params: Params, value: Double, number: Int) {
        self.init(values: ParamSetValues(params), value: value, number: number)
    }
}

/// Identity of a parameter set: its values in search-space order.
public struct ParamKey: Sendable, Hashable {
    public let values: [ParamValue]

    public init(_ params: Params, space: SearchSpace) {
        values = space.parameters.map { params[$0.name] ?? .null }
    }
}

/// Everything a sampler may look at when asked for the next parameter set.
public struct SamplingContext: Sendable {
    public var space: SearchSpace
    /// Each objective's direction, in order; one for a single-objective study.
    public var directions: [Direction]
    /// The first (for one objective, the only) objective's direction.
    public var direction: Direction { directions[0] }
    public var isMultiObjective: Bool { directions.count > 1 }
    /// Number of the trial being sampled; with `seed` it fixes the random stream.
    public var trialNumber: Int
    public var seed: UInt64
    /// Retry count for the same trial (a proposal was refused); changes the random stream.
    public var attempt: Int
    /// One observation per scored parameter set, oldest first.
    public var completed: [Observation]
    /// Parameter sets launched and not yet scored (TPE's constant liar treats them as bad).
    public var running: [Params]
    /// Sets that must not be proposed again (they reached `max_trials_per_param`).
    public var excluded: Set<ParamKey>
    /// Every complete run's own score (a set run three times gives three), for samplers that
    /// model the seed noise (the GP); empty when only the sets' means are known.
    public var runs: [Observation] = []

    public init(space: SearchSpace, direction: Direction, trialNumber: Int, seed: UInt64, attempt: Int = 0,
                completed: [Observation] = [], running: [Params] = [], excluded: Set<ParamKey> = []) {
        self.init(space: space, directions: [direction], trialNumber: trialNumber, seed: seed, attempt: attempt,
                  completed: completed, running: running, excluded: excluded)
    }

    /// A context for several objectives: each observation's `objectives` follow `directions`.
    public init(space: SearchSpace, directions: [Direction], trialNumber: Int, seed: UInt64, attempt: Int = 0,
                completed: [Observation] = [], running: [Params] = [], excluded: Set<ParamKey> = []) {
        precondition(!directions.isEmpty, "a study has at least one objective")
        self.space = space
        self.directions = directions
        self.trialNumber = trialNumber
        self.seed = seed
        self.attempt = attempt
        self.completed = completed
        self.running = running
        self.excluded = excluded
    }

    /// A generator fixed by (seed, trial number, attempt): the same study replays the same draws.
    public func makeGenerator(salt: UInt64 = 0) -> SeededGenerator {
        // Each input is mixed in through SplitMix64's finaliser. A SplitMix state walks in steps
        // of its gamma, so states a multiple of gamma apart (as `seed + gamma * (trial + 1)`
        // were) give the same stream shifted: trial t+1 would redraw trial t's numbers.
        var state = SeededGenerator.mix(seed)
        state = SeededGenerator.mix(state ^ UInt64(truncatingIfNeeded: trialNumber))
        state = SeededGenerator.mix(state ^ UInt64(truncatingIfNeeded: attempt))
        return SeededGenerator(seed: SeededGenerator.mix(state ^ salt))
    }
}

/// Proposes parameter sets. What it proposes depends only on the context, so a study replays
/// the same proposals; a sampler may keep state between asks to do less work (TPE's caches), and
/// is then a value its owner (the trial planner) keeps and asks in turn.
public protocol Sampler: Sendable {
    var name: String { get }
    /// The next parameter set, or nil when this sampler has nothing left to propose (a finished grid).
    mutating func sample(_ context: SamplingContext) -> Params?
}

extension Sampler {
    /// A proposal from a copy of this sampler, which keeps none of what the ask learned.
    public func proposal(_ context: SamplingContext) -> Params? {
        var copy = self
        return copy.sample(context)
    }
}

/// SplitMix64: small, fast, and good enough for sampling; fully determined by its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededGenerator.mix(state)
    }

    /// SplitMix64's finaliser: a bijection of 64-bit words that scatters nearby inputs.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

extension Distribution {
    /// A uniform draw (uniform in log space for log distributions), on the step grid.
    public func sampleUniform(using g: inout SeededGenerator) -> ParamValue {
        switch self {
        case .float(let low, let high, let log, let step):
            if let step {
                let n = cardinality ?? 1
                return .float(low + Double(Int(g.unit() * Double(n))) * step)
            }
            if log {
                return .float(min(high, exp(Foundation.log(low) + g.unit() * (Foundation.log(high) - Foundation.log(low)))))
            }
            return .float(min(high, low + g.unit() * (high - low)))
        case .int(let low, let high, let log, let step):
            if log {
                let lo = Foundation.log(Double(low) - 0.5), hi = Foundation.log(Double(high) + 0.5)
                return toExternal(exp(lo + g.unit() * (hi - lo)))
            }
            let n = (high - low) / step + 1
            return .int(low + Int(g.unit() * Double(n)) * step)
        case .categorical(let choices):
            return choices[min(choices.count - 1, Int(g.unit() * Double(choices.count)))]
        }
    }
}

/// Uniform random search.
public struct RandomSampler: Sampler {
    public init() {}
    public var name: String { "random" }

    public func sample(_ context: SamplingContext) -> Params? {
        var g = context.makeGenerator()
        var out = Params()
        for p in context.space.parameters {
            out[p.name] = p.distribution.sampleUniform(using: &g)
        }
        return out
    }
}
