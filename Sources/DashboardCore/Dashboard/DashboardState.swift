import Foundation
import HyperOpt

/// How the dashboard relates to the study it shows.
public enum DashboardMode: Sendable, Hashable {
    /// This process runs the study: every key works; quitting while it runs asks what to do.
    case live
    /// Following a study another process runs (`hypertop watch`): stop and pause still work
    /// through their files, killing trials does not; quitting just detaches.
    case watch
    /// A finished study opened for browsing: no controls, no live updates.
    case browse
    /// Attached to a running study another process runs (`hypertop attach`): every key works,
    /// through the control files of its sweep directory; quitting detaches at once.
    case attach

    /// Whether trials can be killed from this dashboard.
    var controlsTrials: Bool { self == .live || self == .attach }
}

public enum DashboardScreen: Sendable, Hashable {
    case trials
    case detail(trial: Int)
    /// One of the views that answer "what should I try next?".
    case view(AnalysisView)
}

/// The analysis views, one key each from any screen.
public enum AnalysisView: String, Sendable, Hashable, CaseIterable {
    case importance, history, timeline, parallel, slices
    /// The Pareto front of a study of several objectives (offered only there).
    case pareto

    public var key: Character {
        switch self {
        case .importance: return "i"
        case .history: return "H"
        case .timeline: return "t"
        case .parallel: return "c"
        case .slices: return "l"
        case .pareto: return "P"
        }
    }

    public var title: String {
        switch self {
        case .importance: return "importance"
        case .history: return "history"
        case .timeline: return "timeline"
        case .parallel: return "parallel coordinates"
        case .slices: return "slices"
        case .pareto: return "pareto front"
        }
    }
}

public enum DashboardOverlay: Sendable, Hashable {
    case help
    case confirmKill(trial: Int)
    case confirmKillAll
    case confirmQuit
    /// Adding a line to the note of a trial (or the study's, `trial` nil); with `editsLast`,
    /// the draft is the note's last line, taken back to be corrected (Up).
    case note(trial: Int?, draft: TextField, editsLast: Bool = false)
    /// How many more runs the set gets (typed).
    case repeats(paramSet: Int, draft: TextField)
    /// A parameter set being typed, one field per parameter; `problem` says why Enter refused it.
    case enqueue(fields: [TextField], focus: Int, problem: String?)
}

/// Columns the trial table can be sorted by.
public enum SortColumn: Sendable, Hashable {
    case number, state, param(String), repeatIndex, progress, latest, score, duration, cpu, memory, gpu
    /// One objective of a study of several (0-based, in the study's order).
    case objective(Int)
    /// Whether the trial met its constraints (by how much it missed them).
    case feasibility
}

/// One line a trial wrote, remembered for the detail view.
public struct OutputLine: Sendable, Hashable {
    public var stream: HyperOpt.OutputStream
    public var text: String
}

/// The dashboard's whole model. `update` changes it, `render` draws it; neither does I/O.
public struct DashboardState: Sendable {
    public var study: Study
    public var mode: DashboardMode
    /// Whether the quit dialog offers to detach (the engine runs apart from the terminal).
    public var canDetach = false
    public var glyphs: Glyphs
    /// The clock as of the last tick: render never reads the real clock.
    public var now: Date
    public var size: Size
    public var screen: DashboardScreen = .trials
    public var overlay: DashboardOverlay?

    public var sort: SortColumn = .number
    public var descending = false
    public var stateFilter: TrialState?
    /// The text filter (`/`): typed while `editingFilter`, kept after Enter.
    public var filter = TextField()
    public var editingFilter = false
    public var filterText: String { filter.text }

    /// The selected trial by number, so that it stays selected while rows come and move.
    public var selectedTrial: Int?
    /// First table row on screen.
    public var offset = 0
    /// First chart shown in the detail view.
    public var detailScroll = 0

    /// Indexes into `study.trials`, filtered and sorted: rebuilt by `update`, read by `render`.
    public internal(set) var rows: [Int] = []
    public internal(set) var summaries: [ParamSummary] = []
    /// Trials per state and the best parameter set, kept here so a frame does not walk every trial.
    public internal(set) var counts: [TrialState: Int] = [:]
    public internal(set) var best: ParamSetStats?
    /// Lowest and highest criterion value any trial reported: the table's sparklines share it.
    public internal(set) var criterionRange: ClosedRange<Double>?
    public internal(set) var outputs: [Int: [OutputLine]] = [:]
    /// The study's and its trials' notes (optuna-dashboard's format in the store).
    public internal(set) var notes = StudyNotes()
    /// Parameter importance and the study's history, recomputed when a trial finishes.
    public internal(set) var importances: [ParamImportance] = []
    public internal(set) var history = StudyHistory()
    /// The trials on their slots, remade when a trial launches, starts or ends.
    public internal(set) var timeline = SlotTimeline()
    /// Complete trials by rank, for the parallel coordinates and the slices.
    public internal(set) var ranked = RankedTrials()
    /// For several objectives: the Pareto front of the sets' means (`Study.front`) and its
    /// hypervolume after each trial, remade with the summaries; empty for one objective.
    public internal(set) var front: [ParamSetStats] = []
    public internal(set) var frontHistory = FrontHistory()
    /// Which objective the importance view ranks the parameters by (Tab), and its importances
    /// (`importances` is the first objective's, as for one objective).
    public internal(set) var importanceObjective = 0
    public internal(set) var objectiveImportances: [ParamImportance] = []
    /// The Pareto view's pair of objectives (an index into `paretoPairs`, Tab) and its selected
    /// set by number, kept while the front changes (rendering falls back to the first).
    public internal(set) var paretoPair = 0
    public internal(set) var paretoSet: Int?
    /// Feedback to the last key or the engine's last message, shown above the key line.
    public var status: String?
    public var streamEnded = false
    /// When the study was seen to end: the elapsed time stops there.
    public var endedAt: Date?

    /// Lines of stdout/stderr kept per trial.
    public var outputLimit = 200

    /// Whether any trial's use of the machine was measured (the table's cpu% and mem columns),
    /// and any GPU's (its gpu column).
    public internal(set) var showsUsage = false
    public internal(set) var showsGPU = false

    /// Whether the header shows the machine's meters: while the engine in this process measures it.
    public var showsMachine: Bool { study.machine != nil && isRunning }

    mutating func noteUsage(of trials: some Sequence<TrialRecord>) {
        for t in trials where t.totals != nil || t.usage != nil {
            showsUsage = true
            if t.peakGPUBytes != nil { showsGPU = true }
        }
        if let machine = study.machine {
            showsUsage = true
            if !machine.gpus.isEmpty { showsGPU = true }
        }
    }

    public init(study: Study = Study(), mode: DashboardMode = .live, glyphs: Glyphs = .unicode,
                now: Date, size: Size = Size(width: 120, height: 40)) {
        self.study = study
        self.mode = mode
        self.glyphs = glyphs
        self.now = now
        self.size = size
        if mode == .browse { endedAt = study.trials.compactMap { $0.outcome?.endedAt }.max() ?? now }
        noteUsage(of: study.trials)
        rebuildRows()
        recount()
        timeline = SlotTimeline(study)
        for t in study.trials { widenCriterionRange(t.metrics) }
        resummarize()
        selectedTrial = rows.first.map { study.trials[$0].number }
    }

    /// From this many trials on, summaries are remade on the next tick after trials end.
    public static let deferredSummaryThreshold = 2_000
    /// Trials ended since the summaries were made (large studies only).
    public internal(set) var summariesStale = false

    /// The summaries that change only when a trial finishes.
    mutating func resummarize() {
        summariesStale = false
        summaries = ParamSummary.compute(study)
        importances = study.importances
        history = StudyHistory(study)
        ranked = RankedTrials(study)
        resummarizeObjectives()
    }

    public var spec: StudySpec? { study.info?.spec }
    public var criterion: String { spec?.criterion ?? StudySpec.defaultCriterion }

    /// Row of the selected trial in `rows`, if it is shown.
    public var selectedRow: Int? {
        guard let n = selectedTrial else { return nil }
        let trials = study.trials
        return rows.firstIndex { trials[$0].number == n }
    }

    /// The columns `o` cycles through, in table order (every parameter's, though a narrow table
    /// may not show them all).
    public var sortColumns: [SortColumn] { TrialColumn.columns(self).compactMap(\.sort) }

    public var isRunning: Bool { study.phase != .done && mode != .browse }

    public func output(of trial: Int) -> [OutputLine] { outputs[trial] ?? [] }

    mutating func recount() {
        var counts: [TrialState: Int] = [:]
        let trials = study.trials
        for i in trials.indices { counts[trials[i].state, default: 0] += 1 }
        self.counts = counts
        best = study.best
    }

    public func count(_ state: TrialState) -> Int { counts[state] ?? 0 }

    mutating func widenCriterionRange(_ rows: [MetricRow]) {
        let key = criterion
        widenCriterionRange(values: rows.compactMap { $0.values[key] })
    }

    mutating func widenCriterionRange(_ series: MetricSeries) {
        widenCriterionRange(values: series.values(criterion))
    }

    private mutating func widenCriterionRange(values: some Sequence<Double>) {
        for v in values {
            guard v.isFinite else { continue }
            if let r = criterionRange {
                if v < r.lowerBound { criterionRange = v...r.upperBound }
                if v > r.upperBound { criterionRange = r.lowerBound...v }
            } else {
                criterionRange = v...v
            }
        }
    }

    mutating func appendOutput(_ trial: Int, _ stream: HyperOpt.OutputStream, _ lines: [String]) {
        var kept = outputs[trial] ?? []
        kept.append(contentsOf: lines.suffix(outputLimit).map { OutputLine(stream: stream, text: $0) })
        if kept.count > outputLimit { kept.removeFirst(kept.count - outputLimit) }
        outputs[trial] = kept
    }
}

extension TrialRecord {
    /// The criterion's latest value, if the trial reported it yet.
    public func latest(_ criterion: String) -> Double? {
        for row in metrics.reversed() {
            if let v = row.values[criterion] { return v }
        }
        return nil
    }

    /// How many evaluations of the criterion the trial has reported.
    public func evaluations(_ criterion: String) -> Int {
        metrics.reduce(0) { $0 + ($1.values[criterion] == nil ? 0 : 1) }
    }

    /// Seconds it ran (until now while it runs).
    public func duration(now: Date) -> TimeInterval {
        runTime(now: now)
    }
}
