import Foundation

/// Why a finished run has no usable score.
public enum ScoreFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case neverLogged(criterion: String)
    case notANumber(criterion: String, step: Int)
    case nonFinite(Double)
    /// The app's decorated function returned something that is not a number.
    case unsupportedReturn(type: String)
    /// A study of several objectives got fewer values than it has objectives.
    case tooFewValues(got: Int, objectives: Int)
    /// A study of several objectives had nothing to score: no returned values, no criterion per objective.
    case noObjectives(objectives: Int)
    /// An objective (0-based) was NaN or infinite.
    case objectiveNotFinite(index: Int, name: String, value: Double)
    /// A constraint was neither returned nor logged.
    case constraintMissing(name: String)
    /// A constraint's value was NaN.
    case constraintNotANumber(name: String)

    public var description: String {
        switch self {
        case .neverLogged(let c): return "criterion `\(c)` was never logged"
        case .notANumber(let c, let step): return "criterion `\(c)` was NaN at step \(step)"
        case .nonFinite(let v): return "score is not a finite number (\(v))"
        case .unsupportedReturn(let type): return "the app returned a \(type), not a number or a (score, epochs, ...) tuple"
        case .tooFewValues(let got, let n):
            return "the study has \(n) objectives but the app returned \(got) value\(got == 1 ? "" : "s"); return a tuple of \(n) numbers"
        case .noObjectives(let n):
            return "the study has \(n) objectives: the app returned no values, and hyperopt_criterion does not list one metric per objective"
        case .objectiveNotFinite(let i, let name, let v): return "objective \(i) (\(name)) is not a finite number (\(v))"
        case .constraintMissing(let name): return "constraint `\(name)` was neither returned nor logged"
        case .constraintNotANumber(let name): return "constraint `\(name)` is NaN"
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

/// What a Hydra app's decorated function returned, as the callback wrote it (`returned.json`).
public struct ReturnedValue: Sendable, Equatable {
    /// The number, or a tuple's or list's first element when it is one (Scilab-RL's score).
    public var value: Double?
    /// A tuple's second element when it is an integer (Scilab-RL's epochs).
    public var epochs: Int?
    /// The leading numbers of a tuple or list (`[value]` for a plain number): a study of several
    /// objectives takes its values from them, in order.
    public var values: [Double]
    /// A returned dict's numbers by key: objectives (by `hyperopt_criterion`'s names) and constraints.
    public var named: [String: Double]

    public init(value: Double?, epochs: Int? = nil, values: [Double]? = nil, named: [String: Double] = [:]) {
        self.value = value
        self.epochs = epochs
        self.values = values ?? value.map { [$0] } ?? []
        self.named = named
    }
}

/// A run's objectives (one per direction) and constraints, and where they came from.
public struct Scored: Sendable, Equatable {
    public var values: [Double]
    /// The constraints' values in the study's order; nil when it has none.
    public var constraints: [Double]?
    public var source: ScoreSource
    /// The first objective (the score of a single-objective study).
    public var value: Double { values[0] }
}

/// Turns a finished run's metrics into its score, the way the study is configured.
public struct Scorer: Sendable {
    public var rule: ScoreRule
    public var criterion: String
    public var lastN: Int
    /// How many objectives the study has (the length of `direction`).
    public var objectives = 1
    /// One criterion per objective (`hyperopt_criterion` as a list); nil: the one `criterion`.
    public var criteria: [String]?
    /// Names of the constraints, read from the returned dict or the metrics' last values.
    public var constraints: [String]?
    /// Each objective's name, for messages.
    public var objectiveNames: [String] = ["score"]
    /// A metric with this name, reported by the job, replaces the computed score.
    public static let reportedScoreKey = "hyperopt_score"

    public init(rule: ScoreRule, criterion: String, lastN: Int) {
        self.rule = rule
        self.criterion = criterion
        self.lastN = lastN
    }

    public init(spec: StudySpec) {
        self.init(rule: spec.score, criterion: spec.criterion, lastN: spec.earlyStopLastN)
        objectives = spec.objectiveDirections.count
        criteria = spec.criteria
        constraints = spec.constraints
        objectiveNames = spec.objectiveNames
    }

    /// `returned` is what a Hydra app's decorated function returned, when it did: it is the
    /// objective (the upstream plugin's contract; Scilab-RL's first tuple element), before any metric.
    public func score(_ rows: [MetricRow], returned: Result<ReturnedValue, ScoreFailure>? = nil) -> Result<Double, ScoreFailure> {
        score(MetricSeries(rows), returned: returned)
    }

    public func score(_ metrics: MetricSeries, returned: Result<ReturnedValue, ScoreFailure>? = nil) -> Result<Double, ScoreFailure> {
        scored(metrics, returned: returned).map(\.value)
    }

    /// The run's objectives and constraints, and where they came from. One objective: what the
    /// app returned, else the `hyperopt_score` the job logged, else the rule over the criterion.
    /// Several: the first values the app returned (a tuple or list), or its dict's values named
    /// by `hyperopt_criterion`, else the rule over each objective's own criterion. A NaN or
    /// infinite objective fails the run, as does a constraint neither returned nor logged.
    public func scored(_ metrics: MetricSeries, returned: Result<ReturnedValue, ScoreFailure>? = nil) -> Result<Scored, ScoreFailure> {
        let values: Result<(values: [Double], source: ScoreSource), ScoreFailure>
        if objectives <= 1 {
            values = single(metrics, returned: returned).map { ([$0.value], $0.source) }
        } else {
            values = several(metrics, returned: returned)
        }
        return values.flatMap { v in
            constraintValues(metrics, returned: returned).map { Scored(values: v.values, constraints: $0, source: v.source) }
        }
    }

    private func single(_ metrics: MetricSeries, returned: Result<ReturnedValue, ScoreFailure>?)
        -> Result<(value: Double, source: ScoreSource), ScoreFailure> {
        switch returned {
        case .success(let r):
            if let v = r.value { return v.isFinite ? .success((v, .returned)) : .failure(.nonFinite(v)) }
            // A dict: its value under the criterion's name, when it has one.
            if let v = r.named[criterion] { return v.isFinite ? .success((v, .returned)) : .failure(.nonFinite(v)) }
            return .failure(.unsupportedReturn(type: "dict"))
        case .failure(let why): return .failure(why)
        case nil: break
        }
        if let reported = metrics.last(Self.reportedScoreKey)?.value {
            return reported.isFinite ? .success((reported, .reported)) : .failure(.nonFinite(reported))
        }
        return ruled(metrics, criterion: criterion).map { ($0, .criterion) }
    }

    private func several(_ metrics: MetricSeries, returned: Result<ReturnedValue, ScoreFailure>?)
        -> Result<(values: [Double], source: ScoreSource), ScoreFailure> {
        var out: [Double] = []
        var source = ScoreSource.returned
        switch returned {
        case .failure(let why): return .failure(why)
        case .success(let r):
            if r.values.count >= objectives {
                out = Array(r.values.prefix(objectives))
            } else if let criteria, criteria.allSatisfy({ r.named[$0] != nil }) {
                out = criteria.map { r.named[$0]! }
            } else if r.values.isEmpty, r.named.isEmpty, r.value == nil {
                return .failure(.unsupportedReturn(type: "value"))
            } else {
                return .failure(.tooFewValues(got: r.values.count, objectives: objectives))
            }
        case nil:
            guard let criteria, criteria.count == objectives else { return .failure(.noObjectives(objectives: objectives)) }
            source = .criterion
            for c in criteria {
                switch ruled(metrics, criterion: c) {
                case .success(let v): out.append(v)
                case .failure(let why): return .failure(why)
                }
            }
        }
        for (i, v) in out.enumerated() where !v.isFinite {
            return .failure(.objectiveNotFinite(index: i, name: i < objectiveNames.count ? objectiveNames[i] : "values[\(i)]", value: v))
        }
        return .success((out, source))
    }

    /// The score rule over one criterion's history.
    private func ruled(_ metrics: MetricSeries, criterion: String) -> Result<Double, ScoreFailure> {
        let history = metrics.values(criterion)
        if let nan = history.firstIndex(where: \.isNaN) {
            return .failure(.notANumber(criterion: criterion, step: metrics.series(criterion)[nan].step))
        }
        if history.isEmpty { return .failure(.neverLogged(criterion: criterion)) }
        let s = rule.score(history, lastN: lastN)
        return s.isFinite ? .success(s) : .failure(.nonFinite(s))
    }

    /// Each constraint's value: the returned dict's, else the metric's last logged value.
    private func constraintValues(_ metrics: MetricSeries, returned: Result<ReturnedValue, ScoreFailure>?) -> Result<[Double]?, ScoreFailure> {
        guard let constraints, !constraints.isEmpty else { return .success(nil) }
        var named: [String: Double] = [:]
        if case .success(let r) = returned { named = r.named }
        var out: [Double] = []
        for name in constraints {
            guard let v = named[name] ?? metrics.last(name)?.value else { return .failure(.constraintMissing(name: name)) }
            if v.isNaN { return .failure(.constraintNotANumber(name: name)) }
            out.append(v)
        }
        return .success(out)
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
