import Foundation
import HyperOpt

/// One column of the trial table, declared once (htop's `Process_fields[]`): its title, its width,
/// what it sorts by and what its cell shows. The table, the sort (`o`, the row order, the
/// header's "sort ...") and the widths all read these.
struct TrialColumn: Sendable {
    let title: String
    /// What the header calls it when the table is sorted by it ("sort repeat").
    let name: String
    let width: ColumnWidth
    let alignRight: Bool
    /// nil: the table is not sorted by it (the curve).
    let sort: SortColumn?
    /// The value the rows are sorted by, given the criterion and the clock.
    let key: @Sendable (TrialRecord, _ criterion: String, _ now: Date) -> SortKey
    /// The cell, given its width.
    let cell: @Sendable (TrialRecord, DashboardState, Int) -> TableCell

    init(_ title: String, name: String? = nil, width: ColumnWidth, alignRight: Bool = true, sort: SortColumn?,
         key: @escaping @Sendable (TrialRecord, String, Date) -> SortKey = { _, _, _ in .missing },
         cell: @escaping @Sendable (TrialRecord, DashboardState, Int) -> TableCell) {
        self.title = title
        self.name = name ?? title
        self.width = width
        self.alignRight = alignRight
        self.sort = sort
        self.key = key
        self.cell = cell
    }

    /// This study's columns in table order: every parameter's, the repeat column only when sets
    /// repeat. A narrow table drops the last parameters' (`ColumnWidth.shrinking`).
    static func columns(_ state: DashboardState) -> [TrialColumn] {
        let spec = state.spec
        var columns = [number(state), TrialColumn.state]
        columns += spec?.space.parameters.map { param($0.name, numeric: $0.distribution.isNumeric) } ?? []
        if (spec?.maxTrialsPerParam ?? 1) > 1 { columns.append(repeatIndex) }
        columns += [progress(state), latest]
        // Several objectives: one column each where one objective has its score.
        let objectives = state.study.directions.count
        columns += objectives > 1 ? (0..<objectives).map { objective($0, state) } : [score]
        if spec?.constraints != nil { columns.append(feasibility) }
        columns.append(duration)
        // What each trial costs the machine, where the engine measured it (as `top` shows it).
        if state.showsUsage { columns += [cpu, memory] }
        if state.showsGPU { columns.append(gpu) }
        return columns + [curve]
    }

    /// The column the table is sorted by, also where the table does not show it.
    static func sorting(by sort: SortColumn, _ state: DashboardState) -> TrialColumn {
        switch sort {
        case .number: return number(state)
        case .state: return TrialColumn.state
        case .param(let name):
            return param(name, numeric: state.spec?.space.parameters.first { $0.name == name }?.distribution.isNumeric ?? true)
        case .repeatIndex: return repeatIndex
        case .progress: return progress(state)
        case .latest: return latest
        case .score: return score
        case .duration: return duration
        case .cpu: return cpu
        case .memory: return memory
        case .gpu: return gpu
        case .objective(let k): return objective(k, state)
        case .feasibility: return feasibility
        }
    }

    /// Trials of the best set (of a set on the front, for several objectives) stand out in the
    /// number and score columns.
    private static func bestStyle(_ t: TrialRecord, _ s: DashboardState) -> Style {
        s.isOnFront(t.launch.paramSet) ? .fg(.best, bold: true) : .plain
    }

    static func number(_ state: DashboardState) -> TrialColumn {
        let widest = String(state.study.trials.last?.number ?? 0).count + 1
        return TrialColumn("#", width: .length(max(3, widest)), sort: .number, key: { t, _, _ in .number(Double(t.number)) }) { t, s, _ in
            .text(String(t.number), bestStyle(t, s))
        }
    }

    static let state = TrialColumn("state", width: .length(5), alignRight: false, sort: .state, key: { t, _, _ in .text(t.state.rawValue) }) { t, _, _ in
        .text(t.state.shortLabel, .fg(t.state.role, bold: t.state == .running))
    }

    /// Parameter columns narrow first, then the last ones go (the detail view shows them all),
    /// so that the sparkline keeps some room on an 80-column terminal.
    static func param(_ name: String, numeric: Bool) -> TrialColumn {
        let title = Format.shortName(name)
        return TrialColumn(title, width: .shrinking(min(10, max(6, Format.width(title))), least: 5), alignRight: numeric, sort: .param(name), key: { t, _, _ in
            guard let v = t.launch.params[name] else { return .missing }
            return v.number.map(SortKey.number) ?? .text(v.description)
        }) { t, _, width in
            .text(t.launch.params[name].map { Format.param($0, width: width) } ?? "-")
        }
    }

    static let repeatIndex = TrialColumn("rep", name: "repeat", width: .length(3), sort: .repeatIndex,
                                         key: { t, _, _ in .number(Double(t.launch.repeatIndex)) }) { t, _, _ in
        .text(String(t.launch.repeatIndex), .fg(.muted))
    }

    /// Evaluations out of the epochs, or the last step where the study has no epoch count.
    static func progress(_ state: DashboardState) -> TrialColumn {
        let nEpochs = state.spec?.nEpochs
        return TrialColumn(nEpochs == nil ? "step" : "epoch", name: "progress", width: .length(nEpochs.map { max(5, 2 * String($0).count + 1) } ?? 6),
                           sort: .progress, key: { t, criterion, _ in .number(Double(t.evaluations(criterion))) }) { t, s, _ in
            if let nEpochs { return .text("\(t.evaluations(s.criterion))/\(nEpochs)") }
            if let step = t.metrics.lastStep { return .text(Format.number(Double(step), width: 6)) }
            return .text("-")
        }
    }

    /// The criterion's latest value.
    static let latest = TrialColumn("value", width: .length(6), sort: .latest, key: { t, criterion, _ in t.latest(criterion).map(SortKey.number) ?? .missing }) { t, s, _ in
        .text(t.latest(s.criterion).map { Format.number($0, width: 6) } ?? "-")
    }

    static let score = TrialColumn("score", width: .length(6), sort: .score, key: { t, _, _ in t.score.map(SortKey.number) ?? .missing }) { t, s, _ in
        .text(t.score.map { Format.number($0, width: 6) } ?? "-", bestStyle(t, s))
    }

    /// Objective `k`'s value, for a study of several (named as the study names it); an
    /// infeasible trial's values are dimmed (the feas column says why).
    static func objective(_ k: Int, _ state: DashboardState) -> TrialColumn {
        let names = state.objectiveNames
        let name = k < names.count ? names[k] : "values[\(k)]"
        let title = Format.shortName(name)
        @Sendable func value(_ t: TrialRecord) -> Double? {
            guard t.state == .complete, let values = t.outcome?.objectiveValues, k < values.count else { return nil }
            return values[k]
        }
        return TrialColumn(title, name: name, width: .length(min(10, max(6, Format.width(title)))), sort: .objective(k),
                           key: { t, _, _ in value(t).map(SortKey.number) ?? .missing }) { t, s, width in
            guard let v = value(t) else { return .text("-") }
            let feasible = t.outcome?.isFeasible ?? true
            return .text(Format.number(v, width: width), feasible ? bestStyle(t, s) : .fg(.muted))
        }
    }

    /// Whether a trial met the study's constraints (each <= 0): `ok`, or `no` for one that did
    /// not (its set can never be best nor on the front); sorted by how far it missed them.
    static let feasibility = TrialColumn("feas", name: "feasibility", width: .length(4), sort: .feasibility, key: { t, _, _ in
        guard let c = t.outcome?.constraints else { return .missing }
        return .number(c.reduce(0) { $0 + ($1.isNaN ? .infinity : max(0, $1)) })
    }) { t, _, _ in
        guard let o = t.outcome, o.constraints != nil else { return .text("-", .fg(.muted)) }
        return o.isFeasible ? .text("ok", .fg(.muted)) : .text("no", .fg(.failed, bold: true))
    }

    static let duration = TrialColumn("time", width: .length(6), sort: .duration, key: { t, _, now in .number(t.duration(now: now)) }) { t, s, _ in
        .text(Format.duration(t.duration(now: s.now)), .fg(.muted))
    }

    /// CPU use in percent of one core: now while it runs, its average once it ended; `idle` for a
    /// running trial that used no CPU or GPU for `idle_after_seconds` (hung?). Coloured by its
    /// share of the cores it was given (`Meter.cpuStyle`): red when it takes more.
    static let cpu = TrialColumn("cpu%", name: "cpu", width: .length(4), sort: .cpu, key: { t, _, now in
        t.cpuPercent(now: now).map(SortKey.number) ?? .missing
    }) { t, s, _ in
        if t.usage?.idle == true && !t.state.isFinished { return .text("idle", .fg(.warning, bold: true)) }
        guard let percent = t.cpuPercent(now: s.now) else { return .text("-", .fg(.muted)) }
        return .text(Format.percent(percent), t.state.isFinished ? .fg(.muted) : Meter.cpuStyle(percent / 100 / coresGiven(t, s)))
    }

    /// The cores a trial may use: those it was given, else (no CPU set: `cpus_per_trial: 0`, a
    /// cluster's job) the machine's.
    static func coresGiven(_ t: TrialRecord, _ s: DashboardState) -> Double {
        let given = t.launch.placement?.cpus.count ?? 0
        return Double(given > 0 ? given : max(1, s.study.machine?.cpus ?? 1))
    }

    /// Resident memory: now while it runs, its peak once it ended. Gigabytes stand out as in htop.
    static let memory = TrialColumn("mem", name: "memory", width: .length(4), sort: .memory, key: { t, _, _ in
        t.memoryBytes.map { SortKey.number(Double($0)) } ?? .missing
    }) { t, _, _ in
        guard let bytes = t.memoryBytes else { return .text("-", .fg(.muted)) }
        return .text(Format.bytes(bytes), t.state.isFinished ? .fg(.muted) : Meter.sizeStyle(bytes))
    }

    /// GPU memory its processes hold: now while it runs, its peak once it ended.
    static let gpu = TrialColumn("gpu", name: "gpu memory", width: .length(4), sort: .gpu, key: { t, _, _ in
        t.gpuMemoryBytes.map { SortKey.number(Double($0)) } ?? .missing
    }) { t, _, _ in
        guard let bytes = t.gpuMemoryBytes else { return .text("-", .fg(.muted)) }
        return .text(Format.bytes(bytes), t.state.isFinished ? .fg(.muted) : Meter.sizeStyle(bytes))
    }

    /// The criterion's learning curve, on the range all trials share. A sliver of a sparkline says
    /// nothing: below four cells there is none.
    static let curve = TrialColumn("curve", width: .fill(keeps: 12, least: 4), alignRight: false, sort: nil) { t, s, _ in
        let values = t.series(s.criterion).map(\.value)
        let role: ColorRole = t.state == .failed ? .failed : .accent
        let (range, glyphs) = (s.criterionRange, s.glyphs)
        return .paint { rect, buf in Sparkline(values, range: range, style: .fg(role)).render(rect, &buf, glyphs: glyphs) }
    }
}

extension Distribution {
    var isNumeric: Bool {
        if case .categorical = self { return false }
        return true
    }
}
