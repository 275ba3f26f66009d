import Foundation

/// What `sampler: qmc` draws from, with Optuna's QMCSampler's names and defaults.
public struct QMCOptions: Sendable, Hashable, Codable {
    /// The low-discrepancy sequence (Optuna's `qmc_type`).
    public enum Sequence: String, Sendable, Hashable, Codable, CaseIterable {
        case sobol, halton
    }

    /// Optuna's default: Sobol'.
    public var qmcType: Sequence = .sobol
    /// Randomise the sequence with the study's seed (Optuna's default: off, so that every worker
    /// of a distributed study walks the same points).
    public var scramble = false

    public init(qmcType: Sequence = .sobol, scramble: Bool = false) {
        self.qmcType = qmcType
        self.scramble = scramble
    }

    enum CodingKeys: String, CodingKey { case qmcType, scramble }

    /// Keys a store written by an older hypertop lacks take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        qmcType = try c.decodeIfPresent(Sequence.self, forKey: .qmcType) ?? .sobol
        scramble = try c.decodeIfPresent(Bool.self, forKey: .scramble) ?? false
    }
}

/// Quasi-Monte Carlo search (Optuna's QMCSampler): trial n takes point n of a Sobol' or Halton
/// sequence, mapped onto the parameters as Optuna maps it, so the first trials cover the space
/// more evenly than random ones. Learns nothing from the scores.
///
/// Optuna spends its first trial on random sampling (it does not know the space yet) and gives
/// point k to the (k+1)-th trial after it; hypertop knows the space, so its trial n is Optuna's
/// trial n + 1. Unscrambled, the sequence ignores the seed and starts at the low corner, as
/// Optuna's does; scrambled, the study's seed scrambles the whole sequence once (every trial
/// sees the same scramble, which keeps the balance).
///
/// A point whose set may not run again (`excluded`) is passed over for the next points of the
/// sequence, up to `scanLength` of them; a retry of the same trial (`attempt` a > 0) starts
/// a * `scanLength` points further, where the first ask stopped. Should a whole scan be
/// excluded, the proposal is random. Past 21 parameters, where the Sobol' table ends, a `sobol`
/// study draws from the Halton sequence instead (Optuna's scipy knows 21201 dimensions).
public struct QMCSampler: Sampler {
    public let options: QMCOptions
    public var name: String { "qmc" }
    /// Points one ask looks at for a set that may still run.
    static let scanLength = 256

    public init(options: QMCOptions = QMCOptions()) { self.options = options }

    public func sample(_ context: SamplingContext) -> Params? {
        let parameters = context.space.parameters
        guard !parameters.isEmpty else { return Params() }
        guard context.trialNumber >= 0, context.attempt >= 0,
              context.attempt <= (Int.max - context.trialNumber) / Self.scanLength - 1,
              let sequence = QMCSequence(options, dimension: parameters.count, seed: context.seed) else {
            return RandomSampler().sample(context)
        }
        let first = context.trialNumber + context.attempt * Self.scanLength
        for index in first..<(first + Self.scanLength) {
            var params = Params()
            for (p, u) in zip(parameters, sequence.point(index)) { params[p.name] = p.distribution.qmcValue(u) }
            if !context.excluded.contains(ParamKey(params, space: context.space)) { return params }
        }
        return RandomSampler().sample(context)
    }
}

/// The sequence a study walks: one scramble for the whole study, from its seed alone.
enum QMCSequence: Sendable {
    case sobol(Sobol)
    case halton(Halton)

    /// nil for no dimension.
    init?(_ options: QMCOptions, dimension: Int, seed: UInt64) {
        if options.qmcType == .sobol,
           let sobol = Sobol(dimension: dimension,
                             scrambling: options.scramble ? .matrixAndShift(seed: SeededGenerator.mix(seed ^ 0x5142_4F4C)) : .none) {
            self = .sobol(sobol)
            return
        }
        guard let halton = Halton(dimension: dimension, scrambleSeed: options.scramble ? SeededGenerator.mix(seed ^ 0x4841_4C54) : nil) else {
            return nil
        }
        self = .halton(halton)
    }

    func point(_ index: Int) -> [Double] {
        switch self {
        case .sobol(let s): return s.point(index)
        case .halton(let h): return h.point(index)
        }
    }
}

extension Distribution {
    /// The value at coordinate `u` in [0, 1) of a point, as Optuna's QMCSampler maps it (its
    /// `_SearchSpaceTransform` onto the unit cube): a float or int spread over its range (in log
    /// space for a log one); an int or a stepped float over its range widened by half a step at
    /// each end, so that the end values get a full step's share, then rounded to the step; a
    /// categorical over [0, choices) and truncated to a choice's index. The roundings are
    /// Optuna's (to even for a stepped float and a log int, half up for an int), so that an
    /// unscrambled sequence gives Optuna's very values. Ends as Optuna clamps them: below `high`
    /// for a continuous float, within the grid otherwise.
    func qmcValue(_ u: Double) -> ParamValue {
        switch self {
        case .float(let low, let high, let log, let step):
            if log && low > 0 {
                guard high > low else { return .float(low) }
                let lo = Foundation.log(low), hi = Foundation.log(high)
                let v = min(max(exp(lo + u * (hi - lo)), low), high.nextDown)
                return step == nil ? .float(v) : toExternal(v)
            }
            if let step, step > 0 {
                let top = Self.gridTop(low: low, high: high, step: step)
                let lo = low - 0.5 * step, hi = top + 0.5 * step
                let k = ((lo + u * (hi - lo) - low) / step).rounded(.toNearestOrEven)
                return .float(min(max(k * step + low, low), top))
            }
            guard high > low else { return .float(low) }
            return .float(min(low + u * (high - low), high.nextDown))
        case .int(let low, let high, let log, let step):
            guard step > 0, high > low else { return .int(low) }
            let top = high - (high - low) % step
            let half = 0.5 * Double(step)
            if log && low > 0 {
                let lo = Foundation.log(Double(low) - half), hi = Foundation.log(Double(top) + half)
                let v = exp(lo + u * (hi - lo)).rounded(.toNearestOrEven)
                return toExternal(min(max(v, Double(low)), Double(top)))
            }
            let lo = Double(low) - half, hi = Double(top) + half
            let k = ((lo + u * (hi - lo) - Double(low)) / Double(step) + 0.5).rounded(.down)
            guard k.isFinite, abs(k) < 0x1p62 else { return .int(low) }
            return .int(min(max(low + Int(k) * step, low), top))
        case .categorical(let choices):
            guard !choices.isEmpty else { return .null }
            let n = Double(choices.count)
            return choices[min(Int(min(u * n, n.nextDown)), choices.count - 1)]
        }
    }

    /// The last value of a stepped float's grid: `high` when it lies on the grid (to rounding),
    /// else the grid value below it (as Optuna moves an off-grid `high`).
    static func gridTop(low: Double, high: Double, step: Double) -> Double {
        let k = ((high - low) / step + 1e-9).rounded(.down)
        let top = low + k * step
        return abs(top - high) <= 1e-9 * step ? high : top
    }
}
