import Foundation

/// Optuna's trial states; raw values are the names Optuna stores.
public enum TrialState: String, Sendable, Hashable, Codable, CaseIterable {
    case waiting = "WAITING"
    case running = "RUNNING"
    case complete = "COMPLETE"
    case pruned = "PRUNED"
    case failed = "FAIL"

    public var isFinished: Bool { self == .complete || self == .pruned || self == .failed }
}

/// What the engine is doing with the study as a whole.
public enum StudyPhase: String, Sendable, Hashable, Codable {
    case running = "RUNNING"
    case paused = "PAUSED"
    case stopping = "STOPPING"
    case done = "DONE"

    /// How the reason of a `done` begins when a signal ended the study before its end (`studies` says "stopped").
    public static let stoppedBy = "stopped by "
}

/// One dump of a job's logger: the values it reported at one step.
public struct MetricRow: Sendable, Hashable, Codable {
    public var step: Int?
    public var values: [String: Double]

    public init(step: Int? = nil, values: [String: Double]) {
        self.step = step
        self.values = values
    }
}

/// A trial as launched.
public struct TrialLaunch: Sendable, Hashable, Codable {
    public var number: Int
    /// Id of the parameter set this trial repeats (0-based, in order of first launch).
    public var paramSet: Int
    /// 0 for the first run of a set, 1 for its first repeat, ...
    public var repeatIndex: Int
    public var params: Params
    public var runDir: String
    public var command: [String]
    public var startedAt: Date
    /// The CPUs and GPUs it was given; nil when none were handed out.
    public var placement: ResourcePool.Placement?
    /// How many of `command`'s first words are the job's own command (`python src/main.py`); the
    /// rest hypertop added. nil in launches recorded before it was kept.
    public var jobWords: Int?

    public init(number: Int, paramSet: Int, repeatIndex: Int, params: Params, runDir: String, command: [String], startedAt: Date) {
        self.number = number
        self.paramSet = paramSet
        self.repeatIndex = repeatIndex
        self.params = params
        self.runDir = runDir
        self.command = command
        self.startedAt = startedAt
    }

    private enum CodingKeys: String, CodingKey {
        case number, paramSet, repeatIndex, params, runDir, command, startedAt, placement, jobWords
        /// What stores written before the name was settled call `paramSet`.
        case legacyParamSet = "group"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        paramSet = try c.decodeIfPresent(Int.self, forKey: .paramSet) ?? c.decode(Int.self, forKey: .legacyParamSet)
        repeatIndex = try c.decode(Int.self, forKey: .repeatIndex)
        params = try c.decode(Params.self, forKey: .params)
        runDir = try c.decode(String.self, forKey: .runDir)
        command = try c.decode([String].self, forKey: .command)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        placement = try c.decodeIfPresent(ResourcePool.Placement.self, forKey: .placement)
        jobWords = try c.decodeIfPresent(Int.self, forKey: .jobWords)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(number, forKey: .number)
        try c.encode(paramSet, forKey: .paramSet)
        try c.encode(repeatIndex, forKey: .repeatIndex)
        try c.encode(params, forKey: .params)
        try c.encode(runDir, forKey: .runDir)
        try c.encode(command, forKey: .command)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(placement, forKey: .placement)
        try c.encodeIfPresent(jobWords, forKey: .jobWords)
    }
}

/// How a trial ended.
public struct TrialOutcome: Sendable, Hashable, Codable {
    public var number: Int
    public var state: TrialState
    public var score: Double?
    /// Why it failed or was pruned; for a complete trial, nil, or what to know about its score (its
    /// metrics were not all read, and the score is the app's returned value).
    public var reason: String?
    public var exitStatus: Int32?
    public var signal: Int32?
    public var endedAt: Date
    /// Why it ended when its own job did not decide it; nil for an ordinary end.
    public var cause: EndCause?
    /// Where its score came from; nil without a score (and in outcomes recorded before it was kept).
    public var scoreSource: ScoreSource?
    /// Every objective's value, in the study's order, for a study of several objectives (`score`
    /// is then the first); nil for one objective.
    public var values: [Double]?
    /// The constraints' values (feasible when all <= 0), for a study with constraints; nil otherwise.
    public var constraints: [Double]?

    /// The objectives' values: `values`, or the score alone; nil without a score.
    public var objectiveValues: [Double]? { values ?? score.map { [$0] } }
    /// Feasible: no constraints, or every one <= 0.
    public var isFeasible: Bool { constraints?.allSatisfy { $0 <= 0 } ?? true }

    public init(number: Int, state: TrialState, score: Double?, reason: String?, exitStatus: Int32?, signal: Int32?, endedAt: Date,
                cause: EndCause? = nil) {
        self.cause = cause
        self.number = number
        self.state = state
        self.score = score
        self.reason = reason
        self.exitStatus = exitStatus
        self.signal = signal
        self.endedAt = endedAt
    }
}

/// Why a trial ended, when its own job did not decide it.
public enum EndCause: String, Sendable, Hashable, Codable {
    /// The engine running it died; found when the study was resumed.
    case lostWithEngine = "lost_with_engine"
    /// hypertop ended its job: a kill from the dashboard, Ctrl-C, the time limit.
    case killed
    /// The cluster lost its job (Slurm's `NODE_FAIL`, `PREEMPTED`, `BOOT_FAIL`): its set runs again.
    case lostWithNode = "lost_with_node"
}

extension TrialOutcome {
    /// The outcome of a trial whose engine died while it ran (found when the study is resumed).
    public static func lostWithEngine(number: Int, detail: String, at date: Date) -> TrialOutcome {
        TrialOutcome(number: number, state: .failed, score: nil, reason: "the engine running this trial stopped (\(detail))",
                     exitStatus: nil, signal: nil, endedAt: date, cause: .lostWithEngine)
    }

    /// Whether the trial ended with its engine rather than by its own job: such a trial does not
    /// use up the study's `max_trials`.
    public var wasLostWithEngine: Bool { cause == .lostWithEngine }

    /// Whether the trial was lost to its engine or its node: it does not use up `max_trials`.
    public var wasLost: Bool { cause == .lostWithEngine || cause == .lostWithNode }
}

/// Where a study runs and what it is: sent once when the engine starts.
public struct StudyInfo: Sendable, Codable {
    public var spec: StudySpec
    public var sweepDir: String
    public var stopFile: String
    public var pauseFile: String
    public var startedAt: Date
    /// Set for a study another program ran (Python optuna): what its store holds of it. `spec`'s
    /// sampler, pruner, budget and score rule are then placeholders, recorded nowhere.
    public var external: ExternalStudy?

    public init(spec: StudySpec, sweepDir: String, stopFile: String, pauseFile: String, startedAt: Date, external: ExternalStudy? = nil) {
        self.spec = spec
        self.sweepDir = sweepDir
        self.stopFile = stopFile
        self.pauseFile = pauseFile
        self.startedAt = startedAt
        self.external = external
    }
}

/// What Optuna's tables say of a study hypertop did not run: its directions, one per objective.
/// hypertop shows and ranks the first objective.
public struct ExternalStudy: Sendable, Codable, Hashable {
    public var directions: [Direction]

    public init(directions: [Direction]) { self.directions = directions }
}

extension StudyInfo {
    /// Said for a setting the store does not hold.
    public static let unknown = "unknown"

    /// What the study optimizes, as the header and the report say it: `maximize rule wiki over
    /// eval/success_rate`; for a study another program ran, `minimize value`, or each objective's
    /// direction where it has several.
    public func goal(evidence trial: TrialRecord?) -> String {
        if spec.isMultiObjective {
            let each = zip(spec.objectiveNames, spec.objectiveDirections).map { "\($1.rawValue) \($0)" }.joined(separator: ", ")
            // Each objective's own criterion, or what the app returned.
            let from = spec.scoreSource(evidence: trial)
            let label = from == .criterion && spec.criteria != nil ? "rule \(spec.score.rawValue) over each" : from.label(spec)
            let source = external == nil ? ", " + label : ""
            return "\(spec.objectiveDirections.count) objectives: \(each)\(source)"
        }
        guard let external, external.directions.count > 1 else { return "\(spec.direction.rawValue) \(objectiveLabel(evidence: trial))" }
        return "\(external.directions.count) objectives (\(external.directions.map(\.rawValue).joined(separator: ", "))), the first shown"
    }

    /// Where a score comes from (see `StudySpec.objectiveLabel`); for a study another program
    /// ran, its value as Optuna recorded it.
    public func objectiveLabel(evidence trial: TrialRecord?) -> String {
        guard let external else { return spec.objectiveLabel(evidence: trial) }
        return external.directions.count > 1 ? "values[0]" : "value"
    }

    public var samplerName: String { external == nil ? spec.sampler.name : Self.unknown }
    public var prunerName: String { external == nil ? spec.pruner.name : Self.unknown }
    /// nil where the store does not hold the budget.
    public var maxTrials: Int? { external == nil ? spec.maxTrials : nil }
}

public enum OutputStream: String, Sendable, Codable { case stdout, stderr }

/// Everything the engine reports, in order. The store records each before the dashboard sees it.
public enum EngineEvent: Sendable, Codable {
    case started(StudyInfo)
    case launched(TrialLaunch)
    case metrics(trial: Int, rows: [MetricRow])
    case output(trial: Int, stream: OutputStream, lines: [String])
    case finished(TrialOutcome)
    case phase(StudyPhase, reason: String?)
    case message(String, at: Date)
    /// The trial's job waits in a cluster's queue (Slurm's reason: `Priority`, `Resources`, ...).
    case queued(trial: Int, reason: String?, at: Date)
    /// The trial's job left the queue and runs now (on `node`, when the cluster says).
    case jobStarted(trial: Int, at: Date, node: String?)
    /// The pruner judged the trial's evaluation `evaluation` (0-based): the value it held
    /// against `bar` (the median there, a rung's cut-off, a bound).
    case pruneCheck(trial: Int, evaluation: Int, value: Double, bar: Double)
    /// The engine follows a run file of the trial's job for its metrics (`tfevents: runs/...`,
    /// `wandb: ...`): where its curves come from.
    case curveSource(trial: Int, source: String)
    /// The machine and the running trials, measured at the dashboard's refresh: shown, never
    /// recorded (the sink passes it over).
    case usage(UsageSample)
    /// What the trial used in all (CPU seconds, peaks), sent once when it ends, before `finished`.
    case resourceTotals(trial: Int, totals: ResourceTotals)
}

/// One evaluation the pruner judged.
public struct PruneCheck: Sendable, Hashable {
    public var evaluation: Int
    public var value: Double
    public var bar: Double

    public init(evaluation: Int, value: Double, bar: Double) {
        self.evaluation = evaluation
        self.value = value
        self.bar = bar
    }
}

/// A trial as the study knows it: launch facts, metrics so far, outcome.
public struct TrialRecord: Sendable, Hashable {
    public var launch: TrialLaunch
    public var state: TrialState
    public var metrics = MetricSeries()
    public var outcome: TrialOutcome?
    /// Why its job waits in the cluster's queue, while it does.
    public var queueReason: String?
    /// When its job left the queue; nil for a local job (it runs from its launch) or one still queued.
    public var runningSince: Date?
    /// Whether its job waited in a queue at all (a cluster's job).
    public var wasQueued = false
    /// The node its job runs on, when the cluster said.
    public var node: String?
    /// What the pruner held each judged evaluation against, in order.
    public var pruneChecks: [PruneCheck] = []
    /// The run files its curves are read from (`tfevents: runs/...`, `wandb: ...`), in the order found.
    public var curveSources: [String] = []
    /// What its processes use now (the last `usage` sample that measured it); nil where nothing was.
    public var usage: TrialUsage?
    /// Its CPU and memory over time, one point per sample, the last `usageHistoryLimit` kept.
    public var usageHistory: [UsagePoint] = []
    /// What it used in all, once it ended.
    public var totals: ResourceTotals?

    public var number: Int { launch.number }

    /// Seconds it ran, until `now` while it runs: time in a cluster's queue is not run time.
    public func runTime(now: Date) -> TimeInterval {
        guard let start = runningSince ?? (wasQueued ? nil : launch.startedAt) else { return 0 }
        return max(0, (outcome?.endedAt ?? now).timeIntervalSince(start))
    }
    public var score: Double? { outcome?.score }

    public init(launch: TrialLaunch, state: TrialState = .running) {
        self.launch = launch
        self.state = state
    }

    /// The series of one metric, as (step or row index, value) pairs.
    public func series(_ key: String) -> [(step: Int, value: Double)] {
        metrics.series(key)
    }
}

/// Repeats of one parameter set, aggregated.
public struct ParamSetStats: Sendable, Hashable {
    public var paramSet: Int
    /// The set's values, one shared object for all its asks (see `ParamSetValues`).
    public let values: ParamSetValues
    public var params: Params { values.params }
    public var firstTrial: Int
    public var scores: [Double] = []
    public var launched = 0
    public var running = 0
    public var failed = 0

    public var count: Int { scores.count }
    public var mean: Double? { Sample.mean(scores) }
    /// Sample standard deviation; 0 for a single score; nil when a score is ±inf (no spread to say).
    public var std: Double? { Sample.std(scores) }
    /// Half-width of the mean's 95% confidence interval (Student's t); nil below 2 scores.
    public var interval95: Double? { Sample.interval95(scores) }
    /// Trials of the set the pruner stopped.
    public var pruned = 0
    /// Each complete run's objectives, in the study's order (`[score]` for one objective).
    public var runObjectives: [[Double]] = []
    /// Each complete run's constraints, where the study has constraints.
    public var runConstraints: [[Double]] = []

    /// The mean of each objective over the complete runs; nil before the first.
    public var means: [Double]? {
        guard let first = runObjectives.first else { return nil }
        return first.indices.map { k in runObjectives.reduce(0) { $0 + $1[k] } / Double(runObjectives.count) }
    }
    /// Half-width of each objective's 95% interval; nil below 2 runs.
    public var intervals95: [Double?]? {
        guard let first = runObjectives.first, runObjectives.count >= 2 else { return nil }
        return first.indices.map { k in Sample.interval95(runObjectives.map { $0[k] }) }
    }
    /// The mean of each constraint over the complete runs; nil without constraints.
    public var constraintMeans: [Double]? {
        guard let first = runConstraints.first else { return nil }
        return first.indices.map { k in runConstraints.reduce(0) { $0 + $1[k] } / Double(runConstraints.count) }
    }
    /// Feasible: no constraints, or each constraint's mean <= 0 (a set's value is its runs' mean).
    public var isFeasible: Bool { constraintMeans?.allSatisfy { $0 <= 0 } ?? true }

    public init(paramSet: Int, params: Params, firstTrial: Int) {
        self.paramSet = paramSet
        values = ParamSetValues(params)
        self.firstTrial = firstTrial
    }
}

/// Mean and sample standard deviation, as the dashboard and the summary state them.
public enum Sample {
    public static func mean(_ xs: [Double]) -> Double? {
        xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
    }

    /// Student's t at 0.975 for `df` degrees of freedom: the table to 30, Cornish-Fisher beyond.
    public static func t975(_ df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        guard df >= 1 else { return .infinity }
        return df <= table.count ? table[df - 1] : 1.959964 + 2.3724 / Double(df)
    }

    /// Half-width of the 95% confidence interval of the mean of `xs`; nil below 2 values.
    public static func interval95(_ xs: [Double]) -> Double? {
        guard xs.count >= 2, let s = std(xs) else { return nil }
        return t975(xs.count - 1) * s / Double(xs.count).squareRoot()
    }

    /// With n - 1 in the denominator; 0 for a single value, nil for none or when the mean is not finite.
    public static func std(_ xs: [Double]) -> Double? {
        guard let m = mean(xs), m.isFinite else { return nil }
        guard xs.count > 1 else { return 0 }
        return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
    }
}

/// The whole state of a study, rebuilt by applying engine events in order. Pure: the scheduler,
/// the dashboard and a resumed study all hold one and agree on it.
public struct Study: Sendable {
    public var info: StudyInfo?
    public var phase: StudyPhase = .running
    public var phaseReason: String?
    /// The machine as last measured, and when; nil where no engine measured it (a stored study).
    public private(set) var machine: MachineUsage?
    public private(set) var usageAt: Date?
    public private(set) var trials: [TrialRecord] = []
    public private(set) var paramSets: [ParamSetStats] = []
    private var trialIndex: [Int: Int] = [:]

    public init(info: StudyInfo? = nil) { self.info = info }

    public var direction: Direction { info?.spec.direction ?? .maximize }
    /// Each objective's direction; one for a single-objective study.
    public var directions: [Direction] { info?.spec.objectiveDirections ?? [direction] }
    public var isMultiObjective: Bool { directions.count > 1 }

    public func trial(_ number: Int) -> TrialRecord? {
        trialIndex[number].map { trials[$0] }
    }

    public mutating func apply(_ event: EngineEvent) {
        switch event {
        case .started(let info):
            self.info = info
        case .launched(let launch):
            while paramSets.count <= launch.paramSet {
                paramSets.append(ParamSetStats(paramSet: paramSets.count, params: launch.params, firstTrial: launch.number))
            }
            paramSets[launch.paramSet].launched += 1
            paramSets[launch.paramSet].running += 1
            trialIndex[launch.number] = trials.count
            trials.append(TrialRecord(launch: launch))
        case .metrics(let number, let rows):
            if let i = trialIndex[number] { trials[i].metrics.append(contentsOf: rows) }
        case .output:
            break
        case .finished(let outcome):
            guard let i = trialIndex[outcome.number] else { return }
            trials[i].state = outcome.state
            trials[i].outcome = outcome
            let g = trials[i].launch.paramSet
            paramSets[g].running -= 1
            // ±inf counts, as in Optuna's best trial (a minimized -inf is the best there is); NaN never does.
            if outcome.state == .complete, let s = outcome.score, !s.isNaN {
                paramSets[g].scores.append(s)
                paramSets[g].runObjectives.append(outcome.values ?? [s])
                if let c = outcome.constraints { paramSets[g].runConstraints.append(c) }
            } else if outcome.state == .failed {
                paramSets[g].failed += 1
            } else if outcome.state == .pruned {
                paramSets[g].pruned += 1
            }
        case .phase(let phase, let reason):
            self.phase = phase
            phaseReason = reason
        case .message:
            break
        case .queued(let number, let reason, _):
            guard let i = trialIndex[number], !trials[i].state.isFinished else { return }
            trials[i].state = .waiting
            trials[i].queueReason = reason ?? "queued"
            trials[i].wasQueued = true
            trials[i].runningSince = nil
        case .pruneCheck(let number, let evaluation, let value, let bar):
            if let i = trialIndex[number] { trials[i].pruneChecks.append(PruneCheck(evaluation: evaluation, value: value, bar: bar)) }
        case .curveSource(let number, let source):
            if let i = trialIndex[number], !trials[i].curveSources.contains(source) { trials[i].curveSources.append(source) }
        case .usage(let sample):
            machine = sample.machine
            usageAt = sample.at
            for (number, use) in sample.trials {
                guard let i = trialIndex[number], !trials[i].state.isFinished else { continue }
                trials[i].usage = use
                trials[i].usageHistory.append(UsagePoint(cpuPercent: use.cpuPercent, rssBytes: use.rssBytes))
                if trials[i].usageHistory.count > TrialRecord.usageHistoryLimit {
                    trials[i].usageHistory.removeFirst(trials[i].usageHistory.count - TrialRecord.usageHistoryLimit)
                }
            }
        case .resourceTotals(let number, let totals):
            if let i = trialIndex[number] { trials[i].totals = totals }
        case .jobStarted(let number, let at, let node):
            guard let i = trialIndex[number], !trials[i].state.isFinished else { return }
            trials[i].state = .running
            trials[i].queueReason = nil
            trials[i].runningSince = at
            trials[i].node = node ?? trials[i].node
        }
    }

    public func count(_ state: TrialState) -> Int {
        trials.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }

    /// Trials lost with a dead engine or a failed node (see `TrialOutcome.wasLost`).
    public var lostCount: Int {
        trials.reduce(0) { $0 + ($1.outcome?.wasLost == true ? 1 : 0) }
    }

    /// Trials that count against `max_trials`: all launched but those lost with a dead engine.
    public var budgetUsed: Int { trials.count - lostCount }

    /// The best parameter set by the mean of its scored repeats, as Optuna orders values: -inf
    /// below every finite value, +inf above (a set with both has no mean and never leads).
    /// An infeasible set (a constraint's mean above 0) is never best. With several objectives it
    /// is the front's best in the first objective (`front` is the whole answer).
    public var best: ParamSetStats? {
        var best: ParamSetStats?
        for s in paramSets {
            guard let m = s.mean, !m.isNaN, s.isFeasible else { continue }
            if let b = best, let bm = b.mean, !direction.isBetter(m, than: bm) { continue }
            best = s
        }
        return best
    }

    /// One observation per scored parameter set, oldest first: what samplers learn from (finite
    /// means only: a model of the score has no place for ±inf). Each carries every objective's
    /// mean and, where the study has constraints, their means.
    public var observations: [Observation] {
        let plain = directions.count == 1 && info?.spec.constraints == nil
        return paramSets.compactMap { s in
            guard let m = s.mean, m.isFinite else { return nil }
            if plain { return Observation(values: s.values, value: m, number: s.firstTrial) }
            guard let means = s.means, means.count == directions.count, means.allSatisfy(\.isFinite) else { return nil }
            return Observation(values: s.values, objectives: means, constraints: s.constraintMeans, number: s.firstTrial)
        }
    }

    /// The Pareto front of the sets' means: the feasible scored sets no other feasible set
    /// dominates, in set order. For one objective, the best set alone (or nothing).
    public var front: [ParamSetStats] {
        guard directions.count > 1 else { return best.map { [$0] } ?? [] }
        let candidates = paramSets.filter { s in
            s.isFeasible && (s.means.map { $0.count == directions.count && !$0.contains(where: \.isNaN) } ?? false)
        }
        let losses = candidates.map { Pareto.losses($0.means!, directions: directions) }
        return Pareto.front(losses).map { candidates[$0] }
    }
}
