import Foundation

/// Options of the median pruner: Optuna's `MedianPruner` (a percentile pruner at 50).
public struct MedianPrunerOptions: Sendable, Hashable, Codable {
    /// Completed trials the study needs before any trial is pruned.
    public var nStartupTrials = 5
    /// Evaluations every trial may make before it can be pruned (0-based, as Optuna's steps).
    public var nWarmupSteps = 0
    /// Pruning is checked every this many evaluations after the warm-up.
    public var intervalSteps = 1
    /// Completed trials that reached the evaluation before the percentile is taken there.
    public var nMinTrials = 1

    public init(nStartupTrials: Int = 5, nWarmupSteps: Int = 0, intervalSteps: Int = 1, nMinTrials: Int = 1) {
        self.nStartupTrials = nStartupTrials
        self.nWarmupSteps = nWarmupSteps
        self.intervalSteps = intervalSteps
        self.nMinTrials = nMinTrials
    }

    private enum CodingKeys: String, CodingKey { case nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials }

    /// Stores written before `intervalSteps` and `nMinTrials` existed read with their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nStartupTrials = try c.decodeIfPresent(Int.self, forKey: .nStartupTrials) ?? 5
        nWarmupSteps = try c.decodeIfPresent(Int.self, forKey: .nWarmupSteps) ?? 0
        intervalSteps = try c.decodeIfPresent(Int.self, forKey: .intervalSteps) ?? 1
        nMinTrials = try c.decodeIfPresent(Int.self, forKey: .nMinTrials) ?? 1
    }
}

/// Optuna's `SuccessiveHalvingPruner` (asynchronous successive halving, ASHA), rungs in evaluations.
public struct SuccessiveHalvingOptions: Sendable, Hashable, Codable {
    /// Evaluations before the first rung; nil: Optuna's `auto` (the longest completed trial / 100, at least 1).
    public var minResource: Int?
    public var reductionFactor = 4
    public var minEarlyStoppingRate = 0
    public var bootstrapCount = 0
    public init(minResource: Int? = nil, reductionFactor: Int = 4, minEarlyStoppingRate: Int = 0, bootstrapCount: Int = 0) {
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.minEarlyStoppingRate = minEarlyStoppingRate
        self.bootstrapCount = bootstrapCount
    }
}

/// Optuna's `HyperbandPruner`: brackets of successive halving with different first rungs.
public struct HyperbandOptions: Sendable, Hashable, Codable {
    public var minResource = 1
    /// nil: Optuna's `auto` (the longest completed trial's evaluations).
    public var maxResource: Int?
    public var reductionFactor = 3
    public var bootstrapCount = 0
    public init(minResource: Int = 1, maxResource: Int? = nil, reductionFactor: Int = 3, bootstrapCount: Int = 0) {
        self.minResource = minResource
        self.maxResource = maxResource
        self.reductionFactor = reductionFactor
        self.bootstrapCount = bootstrapCount
    }
}

/// Optuna's `ThresholdPruner`: a value outside [lower, upper] (or NaN) is pruned.
public struct ThresholdOptions: Sendable, Hashable, Codable {
    public var lower: Double?
    public var upper: Double?
    public var nWarmupSteps = 0
    public var intervalSteps = 1
    public init(lower: Double? = nil, upper: Double? = nil, nWarmupSteps: Int = 0, intervalSteps: Int = 1) {
        self.lower = lower
        self.upper = upper
        self.nWarmupSteps = nWarmupSteps
        self.intervalSteps = intervalSteps
    }
}

/// Optuna's `PatientPruner`: asks the wrapped pruner only once the curve stopped improving.
public struct PatientOptions: Sendable, Hashable, Codable {
    public var patience: Int
    public var minDelta = 0.0
    public init(patience: Int, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }
}

/// W&B's hyperband stopping (a W&B sweep file's `early_terminate`, `hyperband_stopping.py` of
/// wandb/sweeps): one set of bands for every run, unlike Optuna's brackets.
public struct WandbHyperbandOptions: Sendable, Hashable, Codable {
    /// The evaluations (logged values of the criterion, counted from 1) at which a run is judged, ascending.
    public var bands: [Int]
    /// A run goes on while among the best 1/eta of the runs that reached its band.
    public var eta: Double
    /// Judge a run by its value at the band (W&B's `strict: true`, its schema's default) or by
    /// its best value so far (`strict: false`).
    public var strict: Bool
    public init(bands: [Int], eta: Double = 3, strict: Bool = true) {
        self.bands = bands
        self.eta = eta
        self.strict = strict
    }
}

/// Which pruner stops running trials, and how (Optuna's pruners, by their names and options).
public indirect enum PrunerSpec: Sendable, Hashable, Codable {
    case none
    case median(MedianPrunerOptions)
    /// The trial's best is worse than this percentile of the completed trials (`percentile` in 0...100).
    case percentile(Double, MedianPrunerOptions)
    case successiveHalving(SuccessiveHalvingOptions)
    case hyperband(HyperbandOptions)
    case threshold(ThresholdOptions)
    /// nil wrapped: prune as soon as the curve stopped improving.
    case patient(PatientOptions, wrapped: PrunerSpec?)
    /// A W&B sweep file's `early_terminate: {type: hyperband}`, as W&B decides.
    case wandbHyperband(WandbHyperbandOptions)

    public var name: String {
        switch self {
        case .none: return "none"
        case .median: return "median"
        case .percentile: return "percentile"
        case .successiveHalving: return "successive_halving"
        case .hyperband: return "hyperband"
        case .threshold: return "threshold"
        case .patient(_, let wrapped): return "patient(\(wrapped?.name ?? "none"))"
        case .wandbHyperband: return "wandb_hyperband"
        }
    }

    /// The pruner and its settings in a few words, as `check` shows them.
    public var summary: String {
        switch self {
        case .wandbHyperband(let o):
            let bands = o.bands.count > 5 ? o.bands.prefix(4).map(String.init).joined(separator: ", ") + ", ..." : o.bands.map(String.init).joined(separator: ", ")
            return "W&B's hyperband: judged at evaluations \(bands); a run goes on while among the best 1/\(PruneText.number(o.eta)) there, "
                + (o.strict ? "by its value at the band (strict)" : "by its best value so far (strict: false)")
        default:
            return name
        }
    }
}
