import Foundation

/// Why a finished run has no usable score.
public enum ScoreFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case neverLogged(criterion: String)
    case notANumber(criterion: String, step: Int)
    case nonFinite(Double)
    /// The app's decorated function returned something that is not a number.
    case unsupportedReturn(type: String)

    public var description: String {
        switch self {
        case .neverLogged(let c): return "criterion `\(c)` was never logged"
        case .notANumber(let c, let step): return "criterion `\(c)` was NaN at step \(step)"
        case .nonFinite(let v): return "score is not a finite number (\(v))"
        case .unsupportedReturn(let type): return "the app returned a \(type), not a number or a (score, epochs, ...) tuple"
        }
    }
}

extension ScoreRule {
    /// Score of one run from the history of its criterion (one value per evaluation).
    public func score(_ h: [Double], lastN: Int) -> Double {
        guard !h.isEmpty else { return 0 }
        let e = Double(h.count)
        func mean(_ xs: ArraySlice<Double>) -> Double { xs.reduce(0, +) / Double(xs.count) }
        switch self {
        case .wiki:
            return (mean(h[...]) + mean(h.suffix(Swift.max(1, lastN)))) / e
        case .scilab2023:
            let m = mean(h[...])
            let tail = mean(h.suffix(Swift.max(1, h.count / 5)))
            return m >= 0 ? (m + tail) / e : (m + tail) * e
        case .last:
            return h[h.count - 1]
        case .mean:
            return mean(h[...])
        case .max:
            return h.max() ?? 0
        }
    }
}

/// Turns a finished run's metrics into its score, the way the study is configured.
public struct Scorer: Sendable {
    public var rule: ScoreRule
    public var criterion: String
    public var lastN: Int
    /// A metric with this name, reported by the job, replaces the computed score.
    public static let reportedScoreKey = "hyperopt_score"

    public init(rule: ScoreRule, criterion: String, lastN: Int) {
        self.rule = rule
        self.criterion = criterion
        self.lastN = lastN
    }

    public init(spec: StudySpec) {
        self.init(rule: spec.score, criterion: spec.criterion, lastN: spec.earlyStopLastN)
    }

    /// `returned` is what a Hydra app's decorated function returned, when it did: it is the
    /// objective (the upstream plugin's contract; Scilab-RL's first tuple element), before any metric.
    public func score(_ rows: [MetricRow], returned: Result<(value: Double, epochs: Int?), ScoreFailure>? = nil) -> Result<Double, ScoreFailure> {
        score(MetricSeries(rows), returned: returned)
    }

    public func score(_ metrics: MetricSeries, returned: Result<(value: Double, epochs: Int?), ScoreFailure>? = nil) -> Result<Double, ScoreFailure> {
        scored(metrics, returned: returned).map(\.value)
    }

    /// The score and where it came from: what the app returned, else the `hyperopt_score` the job
    /// logged, else the rule over the criterion.
    public func scored(_ metrics: MetricSeries, returned: Result<(value: Double, epochs: Int?), ScoreFailure>? = nil)
        -> Result<(value: Double, source: ScoreSource), ScoreFailure> {
        switch returned {
        case .success(let r): return r.value.isFinite ? .success((r.value, .returned)) : .failure(.nonFinite(r.value))
        case .failure(let why): return .failure(why)
        case nil: break
        }
        if let reported = metrics.last(Self.reportedScoreKey)?.value {
            return reported.isFinite ? .success((reported, .reported)) : .failure(.nonFinite(reported))
        }
        let history = metrics.values(criterion)
        if let nan = history.firstIndex(where: \.isNaN) {
            return .failure(.notANumber(criterion: criterion, step: metrics.series(criterion)[nan].step))
        }
        if history.isEmpty { return .failure(.neverLogged(criterion: criterion)) }
        let s = rule.score(history, lastN: lastN)
        return s.isFinite ? .success((s, .criterion)) : .failure(.nonFinite(s))
    }
}

/// Where a trial's score came from (see `Scorer.scored`); recorded on its outcome.
public enum ScoreSource: String, Sendable, Hashable, Codable {
    /// The job logged `hyperopt_score` itself.
    case reported
    /// A Hydra app's decorated function returned it.
    case returned
    /// The score rule over the criterion's history.
    case criterion
}

extension StudySpec {
    /// Where the scores come from, as `evidence` (a scored trial) shows: what its outcome
    /// recorded; for outcomes recorded before that, a score the job reported, or a Hydra app's
    /// returned value when the trial logged no criterion. Else (also without evidence) the rule
    /// over the criterion.
    public func scoreSource(evidence trial: TrialRecord?) -> ScoreSource {
        guard let trial else { return .criterion }
        if let recorded = trial.outcome?.scoreSource { return recorded }
        if trial.metrics.last(Scorer.reportedScoreKey) != nil { return .reported }
        if passing == .overrides && trial.metrics.last(criterion) == nil { return .returned }
        return .criterion
    }

    /// What the study's scores are, as the header, the detail and the report say it: `evidence`
    /// is a scored trial (the best set's first).
    public func objectiveLabel(evidence trial: TrialRecord?) -> String {
        scoreSource(evidence: trial).label(self)
    }
}

extension ScoreSource {
    /// `returned by the app`, `the job's hyperopt_score`, `rule wiki over eval/success_rate`.
    public func label(_ spec: StudySpec) -> String {
        switch self {
        case .reported: return "the job's \(Scorer.reportedScoreKey)"
        case .returned: return "returned by the app"
        case .criterion: return "rule \(spec.score.rawValue) over \(spec.criterion)"
        }
    }
}
