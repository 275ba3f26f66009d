import Foundation
import HyperOpt

/// Turns engine events into the timestamped lines of headless mode, in the original's style
/// (`[2022-04-21 11:51:41,322][HYDRA] ...`).
public struct HeadlessLog {
    private var startedAt: [Int: Date] = [:]
    private var lastPhase: StudyPhase = .running
    private let formatter: DateFormatter
    /// The study's criterion, its planned evaluations and direction (from its start).
    private var criterion: String?
    private var plannedEpochs: Int?
    private var direction = Direction.minimize
    /// Per running trial: its planned evaluations, the criterion's values so far, and when its
    /// last criterion line was printed.
    private var epochsOf: [Int: Int] = [:]
    private var values: [Int: [Double]] = [:]
    private var lastProgress: [Int: Date] = [:]
    private var queued: Set<Int> = []
    /// What each trial used, sent just before its end: said on its end's line.
    private var totals: [Int: ResourceTotals] = [:]
    private var finished = 0
    private var best: (number: Int, score: Double)?
    private var lastLine: Date?
    /// At most one criterion line per trial in this time (a chatty job's values between are
    /// summed up by the next line), and a status line after this long without any line.
    public var progressInterval: TimeInterval = 5
    public var quietInterval: TimeInterval = 180

    public init() {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss,SSS"
    }

    public func stamp(_ text: String, at date: Date = Date()) -> String {
        "[\(formatter.string(from: date))][HYPERTOP] \(ProcessText.printable(text))"
    }

    /// The lines for `event`, seen at `now` (events without a time of their own, metrics, are
    /// stamped with it).
    public mutating func lines(for event: EngineEvent, now: Date = Date()) -> [String] {
        let out = eventLines(event, now: now)
        if !out.isEmpty { lastLine = now }
        return out
    }

    /// A status line when nothing was said for `quietInterval` (running, queued, best so far), so
    /// that a `nohup` log shows the study is alive; nil otherwise.
    public mutating func quietLine(now: Date = Date()) -> String? {
        guard let last = lastLine, now.timeIntervalSince(last) >= quietInterval, !startedAt.isEmpty || finished > 0 else { return nil }
        lastLine = now
        let running = startedAt.keys.filter { !queued.contains($0) }.sorted()
        var parts: [String] = []
        let each = running.prefix(8).map { n -> String in
            guard let v = values[n]?.last, let c = criterion else { return "#\(n) no evaluation yet" }
            return "#\(n) \(epochText(n)) \(c) \(Self.format(v))"
        }
        parts.append("\(running.count) running" + (each.isEmpty ? "" : " (\(each.joined(separator: ", "))\(running.count > 8 ? ", ..." : ""))"))
        if !queued.isEmpty { parts.append("\(queued.count) queued") }
        parts.append("\(finished) finished")
        let bestText = best.map { "best score so far \(Self.format($0.score)) (trial #\($0.number))" } ?? "no score yet"
        return stamp("Still going: " + parts.joined(separator: ", ") + "; " + bestText, at: now)
    }

    /// `epoch 2/3`: the criterion's evaluations so far, of those planned when known.
    private func epochText(_ n: Int) -> String {
        "epoch \(values[n]?.count ?? 0)" + ((epochsOf[n] ?? plannedEpochs).map { "/\($0)" } ?? "")
    }

    private mutating func eventLines(_ event: EngineEvent, now: Date) -> [String] {
        switch event {
        case .started(let info):
            criterion = info.spec.criterion
            plannedEpochs = info.spec.nEpochs
            direction = info.spec.direction
            return []
        case .metrics(let n, let rows):
            guard let c = criterion else { return [] }
            let new = rows.compactMap { $0.values[c] }
            guard !new.isEmpty else { return [] }
            values[n, default: []] += new
            if let last = lastProgress[n], now.timeIntervalSince(last) < progressInterval { return [] }
            lastProgress[n] = now
            return [stamp("Trial #\(n) \(epochText(n)): \(c) \(Self.format(new[new.count - 1]))", at: now)]
        case .message(let text, let at):
            return [stamp(text, at: at)]
        case .launched(let l):
            startedAt[l.number] = l.startedAt
            // The epochs the trial was given (its epoch cap, the command line's n_epochs): the last such word wins, as in Hydra.
            if let word = l.command.last(where: { $0.drop { $0 == "+" }.hasPrefix("n_epochs=") }),
               let e = Int(word.drop { $0 == "+" }.dropFirst("n_epochs=".count)) {
                epochsOf[l.number] = e
            }
            // The sampled values, as the original's sweeper logs them; the overrides every trial
            // shares are in command.txt and `hypertop check`.
            let overrides = l.command.filter { arg in l.params.keys.contains { arg.hasPrefix($0 + "=") } }
            // Numbered as the table numbers them: `rep 1` is a set's second run.
            let repeatNote = l.repeatIndex > 0 ? " (rep \(l.repeatIndex) of set \(l.paramSet))" : ""
            let placement = l.placement.map { " on \($0.text)" } ?? ""
            // A run with nothing sampled (a performance test's) has no values to list.
            let head = overrides.isEmpty ? "Trial #\(l.number) launched" : "\t#\(l.number) : \(overrides.joined(separator: " "))"
            return [stamp(head + repeatNote + placement, at: l.startedAt)]
        case .finished(let o):
            var took = startedAt[o.number].map { String(format: " in %.1fs", o.endedAt.timeIntervalSince($0)) } ?? ""
            if let used = totals.removeValue(forKey: o.number) { took += ", " + used.text }
            startedAt[o.number] = nil
            (values[o.number], epochsOf[o.number], lastProgress[o.number]) = (nil, nil, nil)
            queued.remove(o.number)
            finished += 1
            if o.state == .complete, o.isFeasible, o.values == nil, let score = o.score, !score.isNaN,
               best.map({ direction.isBetter(score, than: $0.score) }) ?? true {
                best = (o.number, score)
            }
            return [stamp(Self.trialText(o) + took, at: o.endedAt)]
        case .phase(let phase, _):
            defer { lastPhase = phase }
            if phase == .paused && lastPhase != .paused {
                return [stamp("Paused: no trial is launched while \(ControlFileNames.pause) exists")]
            }
            if phase == .running && lastPhase == .paused { return [stamp("Resumed launching")] }
            return []
        case .queued(let n, let reason, let at):
            queued.insert(n)
            return [stamp("Trial #\(n) QUEUED" + (reason.map { " (\($0))" } ?? ""), at: at)]
        case .jobStarted(let n, let at, let node):
            queued.remove(n)
            let waited = startedAt[n].map { String(format: " after %.1fs in the queue", at.timeIntervalSince($0)) } ?? ""
            startedAt[n] = at
            return [stamp("Trial #\(n) RUNNING" + (node.map { " on \($0)" } ?? "") + waited, at: at)]
        case .curveSource(let n, let source):
            return [stamp("Trial #\(n): metrics from \(source)")]
        case .resourceTotals(let n, let used):
            totals[n] = used
            return []
        case .output, .pruneCheck, .usage:
            return []
        }
    }

    /// A trial as the log states it: `Trial #3 COMPLETE: score 0.5` (with a reason, when its score
    /// comes with one), `Trial #4 FAIL: <reason>`,
    /// `Trial #5 RUNNING`.
    /// A finished trial's line; several objectives' values are listed (`values 1.5, 0.2`), and an
    /// infeasible trial says so.
    public static func trialText(_ o: TrialOutcome) -> String {
        guard o.state == .complete, o.values != nil || o.constraints != nil, let values = o.objectiveValues else {
            return trialText(number: o.number, state: o.state, score: o.score, reason: o.reason)
        }
        var text = "Trial #\(o.number) COMPLETE: " + (values.count > 1 ? "values " + values.map(format).joined(separator: ", ") : "score \(format(values[0]))")
        if let c = o.constraints { text += o.isFeasible ? " (feasible)" : " (infeasible: constraints " + c.map(format).joined(separator: ", ") + ")" }
        return text + (o.reason.map { " (\($0))" } ?? "")
    }

    public static func trialText(number: Int, state: TrialState, score: Double?, reason: String?) -> String {
        if state == .complete, let score { return "Trial #\(number) COMPLETE: score \(format(score))" + (reason.map { " (\($0))" } ?? "") }
        guard state.isFinished else { return "Trial #\(number) \(state.rawValue)" }
        return "Trial #\(number) \(state.rawValue): \(reason ?? "no reason given")"
    }

    static func format(_ v: Double) -> String {
        String(format: "%.6g", v)
    }
}

/// The end-of-study summary: the original's two lines, then ours.
public enum StudyResults {
    /// `{'++algorithm.critic_select': 'min'}` as Python prints a dict, as users' scripts expect.
    /// Keys in the search space's order; by name when the space is not known (a study Python wrote).
    public static func pythonDict(_ params: Params, space: SearchSpace?) -> String {
        let names = space?.parameters.map(\.name) ?? params.keys.sorted()
        let items = names.compactMap { name in params[name].map { "'\(name)': \(pythonRepr($0))" } }
        return "{" + items.joined(separator: ", ") + "}"
    }

    /// A value as Python's `repr` prints it.
    static func pythonRepr(_ v: ParamValue) -> String {
        switch v {
        case .string(let s): return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case .bool(let b): return b ? "True" : "False"
        case .null: return "None"
        case .list(let items): return "[" + items.map(pythonRepr).joined(separator: ", ") + "]"
        case .mapping(let entries): return "{" + entries.map { pythonRepr(.string($0.key)) + ": " + pythonRepr($0.value) }.joined(separator: ", ") + "}"
        case .int, .float: return v.description
        }
    }

    /// The lines to print; a value's controls and bidi controls show as `\u{1B}` (`ProcessText.printable`).
    public static func lines(_ study: Study, space: SearchSpace?) -> [String] {
        var out: [String] = []
        let counts = TrialState.allCases.compactMap { s -> String? in
            let n = study.count(s)
            return n > 0 ? "\(n) \(s.rawValue)" : nil
        }
        out.append("Trials: \(study.trials.count) (\(counts.joined(separator: ", ")))")
        if study.isMultiObjective {
            let front = BestText.sortedFront(study)
            guard !front.isEmpty else {
                out.append("No feasible trial produced every objective; see the trials' outcome.json and stderr.log under the sweep directory.")
                return out
            }
            let names = study.info?.spec.objectiveNames ?? []
            out.append("Pareto front: \(front.count) set\(front.count == 1 ? "" : "s") (" + zip(names, study.directions).map { "\($0) \($1.rawValue)" }.joined(separator: ", ") + ")")
            for set in front {
                let values = (set.means ?? []).map { String(format: "%.6g", $0) }.joined(separator: ", ")
                out.append(ProcessText.printable("  [\(values)] \(pythonDict(set.params, space: space)) (\(set.count) run\(set.count == 1 ? "" : "s"), first trial #\(set.firstTrial))"))
            }
            return out
        }
        guard let best = study.best, let mean = best.mean else {
            out.append("No trial produced a score; see the trials' outcome.json and stderr.log under the sweep directory.")
            return out
        }
        out.append(ProcessText.printable("Best parameters: \(pythonDict(best.params, space: space))"))
        out.append("Best value: \(mean)")
        if let half = best.interval95 {
            out.append(String(format: "Best parameter set: mean %.6g ± %.3g (95%% interval; std %.3g) over %d runs (first trial #%d)",
                              mean, half, best.std ?? 0, best.count, best.firstTrial))
        } else {
            out.append(String(format: "Best parameter set: mean %.6g over %d run (first trial #%d)", mean, best.count, best.firstTrial))
        }
        return out
    }

    /// `optimization_results.yaml`: name, best_params, best_value (the original's keys) plus ours.
    public static func resultsYAML(_ study: Study, spec: StudySpec) -> String {
        var text = "name: \(JSONText.quote(spec.studyName))\n"
        if study.isMultiObjective {
            // The upstream plugin's file for several objectives: `solutions`, each set's params and values.
            let front = BestText.sortedFront(study)
            if front.isEmpty { return text + "solutions: []\n" }
            text += "solutions:\n"
            for set in front {
                text += "- params:\n"
                for p in spec.space.parameters {
                    if let v = set.params[p.name] { text += "    \(JSONText.quote(p.name)): \(YAMLText.scalar(v))\n" }
                }
                text += "  values: [" + (set.means ?? []).map { YAMLText.scalar(.float($0)) }.joined(separator: ", ") + "]\n"
                text += "  runs: \(set.count)\n"
            }
            text += "trials: \(study.trials.count)\n"
            return text
        }
        guard let best = study.best, let mean = best.mean else {
            return text + "best_params: {}\nbest_value: null\n"
        }
        text += "best_params:\n"
        for p in spec.space.parameters {
            if let v = best.params[p.name] { text += "  \(JSONText.quote(p.name)): \(YAMLText.scalar(v))\n" }
        }
        text += "best_value: \(mean.isFinite ? "\(mean)" : YAMLText.scalar(.float(mean)))\n"
        text += "best_value_std: \(best.std ?? 0)\n"
        text += "best_value_runs: \(best.count)\n"
        // The half-width of the mean's 95% interval (Student's t); null for a single run.
        text += "best_value_ci95: \(best.interval95.map { "\($0)" } ?? "null")\n"
        text += "trials: \(study.trials.count)\n"
        return text
    }
}
