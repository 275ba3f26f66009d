import HyperOpt

/// Where an entry sits on the key line: the line shows as many as fit, these first.
private enum Rank {
    static let help = 0, quit = 1, screen = 2, screenMore = 3, controls = 4, views = 5, table = 6
}

extension DashboardState {
    mutating func handle(_ key: Key) -> [DashboardEffect] {
        if let effects = DashboardState.keyMap.dispatchAnywhere(key, &self) { return effects }
        if let overlay { return handle(key, in: overlay) }
        if editingFilter { editFilter(key); return [] }
        return DashboardState.keyMap.dispatch(key, &self) ?? []
    }

    /// Every key of the dashboard's screens, in the order `?` lists them; the key line and the
    /// dispatch read the same table. The overlays (questions, forms) and the filter being typed
    /// take keys before it.
    static let keyMap = KeyMap<DashboardState>([
        Binding([.char("j"), .char("k"), .pageUp, .pageDown, .home, .end], quiet: [.down, .up, .char("g"), .char("G")],
                help: "move the selection; by pages; to the ends", when: { $0.screen == .trials },
                hints: { _ in [KeyHint("j/k", "move", rank: Rank.table)] }) { s, key in s.moveInTable(key); return [] },
        // In the detail view the same keys scroll its charts.
        Binding([], quiet: [.down, .char("j"), .up, .char("k"), .home, .char("g")], when: { $0.isDetail },
                hints: { _ in [KeyHint("j/k", "scroll", rank: Rank.screenMore)] }) { s, key in s.scrollDetail(key); return [] },
        Binding([.enter], quiet: [.right], help: "trial detail", when: { $0.screen == .trials },
                hints: { _ in [KeyHint("Enter", "detail", rank: Rank.screen)] }) { s, _ in s.openDetail(); return [] },
        Binding([.escape], help: "back (on the table: clear filter)", sharesRow: true,
                hints: { $0.screen == .trials ? [] : [KeyHint("Esc", "back", rank: Rank.screen)] }) { s, _ in
            if s.screen == .trials { s.clearFilters() } else { s.screen = .trials }
            return []
        },
        Binding([], quiet: [.left, .backspace], when: { $0.screen != .trials }) { s, _ in s.screen = .trials; return [] },
        Binding([], quiet: [.char("h")], when: { $0.isDetail }) { s, _ in s.screen = .trials; return [] },
        Binding([.char("o")], help: "sort by the next column", when: { $0.screen == .trials },
                hints: { _ in [KeyHint("o/O", "sort", rank: Rank.table)] }) { s, _ in s.sortByNextColumn(); return [] },
        Binding([.char("O")], help: "reverse the order", sharesRow: true, when: { $0.screen == .trials }) { s, _ in
            s.descending.toggle()
            s.reorderKeepingSelection()
            return []
        },
        Binding([.char("/")], help: "filter by text (number, state, name=value)", when: { $0.screen == .trials },
                hints: { _ in [KeyHint("/", "filter", rank: Rank.table)] }) { s, _ in s.editingFilter = true; return [] },
        Binding([.char("f")], help: "show only one state (cycles)", when: { $0.screen == .trials },
                hints: { _ in [KeyHint("f", "state", rank: Rank.table)] }) { s, _ in s.cycleStateFilter(); return [] },
        Binding([.tab], sharesRow: true, when: { $0.screen == .trials }) { s, _ in s.cycleStateFilter(); return [] },
    ] + AnalysisView.allCases.map { view in
        // The Pareto view is offered only for several objectives (its key says why it is empty otherwise).
        Binding([.char(view.key)], helpText: { view.help(severalObjectives: $0.study.isMultiObjective) }, sharesRow: view == .slices,
                offered: { view != .pareto || $0.study.isMultiObjective }, hints: { s in
            switch s.screen {
            case .trials: return [KeyHint(String(view.key), "views", rank: Rank.views)]
            case .view(let shown) where shown != view: return [KeyHint(String(view.key), view.shortTitle, rank: Rank.views)]
            default: return []
            }
        }) { s, _ in
            s.screen = s.screen == .view(view) ? .trials : .view(view)
            return []
        }
    } + [
        // Parallel coordinates and slices are two pictures of the same trials.
        Binding([], quiet: [.tab], when: { $0.screen == .view(.parallel) || $0.screen == .view(.slices) },
                hints: { [KeyHint("Tab", $0.screen == .view(.parallel) ? "slices" : "coords", rank: Rank.screenMore)] }) { s, _ in
            s.screen = s.screen == .view(.parallel) ? .view(.slices) : .view(.parallel)
            return []
        },
        // Several objectives: the Pareto view's selection walks the front, Tab the pairs of
        // objectives; the importance view's Tab the objectives.
        Binding([], quiet: [.down, .char("j"), .up, .char("k"), .home, .char("g"), .end, .char("G")],
                when: { $0.screen == .view(.pareto) && $0.study.isMultiObjective },
                hints: { _ in [KeyHint("j/k", "select", rank: Rank.screenMore)] }) { s, key in s.moveParetoSelection(key); return [] },
        Binding([], quiet: [.tab], when: { $0.screen == .view(.pareto) && $0.paretoPairs.count > 1 },
                hints: { _ in [KeyHint("Tab", "next pair", rank: Rank.screenMore)] }) { s, _ in s.nextParetoPair(); return [] },
        Binding([], quiet: [.tab], when: { $0.screen == .view(.importance) && $0.study.isMultiObjective },
                hints: { _ in [KeyHint("Tab", "objective", rank: Rank.screenMore)] }) { s, _ in s.nextImportanceObjective(); return [] },
        Binding([.char("n")], help: "add a line to the trial's note") { s, _ in
            // A note on the trial in focus; N: on the study.
            guard let n = s.focusedTrial, s.study.trial(n) != nil else {
                s.status = "no trial selected: N writes a note on the study"
                return []
            }
            s.overlay = .note(trial: n, draft: "")
            return []
        },
        Binding([.char("N")], help: "to the study's", sharesRow: true) { s, _ in s.overlay = .note(trial: nil, draft: ""); return [] },
        Binding([.char("p")], help: "pause or resume launching", offered: { $0.mode != .browse }, hints: { s in
            s.study.phase == .done ? [] : [KeyHint("p", s.study.phase == .paused ? "resume" : "pause", rank: Rank.controls)]
        }) { s, _ in
            guard s.controlsAllowed() else { return [] }
            s.status = s.study.phase == .paused ? "resuming: pause file removed" : "pausing: no new trials until p is pressed again"
            return [.command(.togglePause)]
        },
        Binding([.char("s")], help: "stop (again: cancel)", sharesRow: true, offered: { $0.mode != .browse }, hints: { s in
            s.study.phase == .done ? [] : [KeyHint("s", s.study.phase == .stopping ? "cancel stop" : "stop", rank: Rank.controls)]
        }) { s, _ in
            guard s.controlsAllowed() else { return [] }
            s.status = s.study.phase == .stopping
                ? "stop file re-created: the study goes on"
                : "stop file deleted: no new trials; running ones finish (s again cancels)"
            return [.command(.toggleStop)]
        },
        Binding([.char("x"), .delete, .function(9)], help: "kill the selected trial", offered: { $0.mode.controlsTrials },
                hints: { $0.study.phase == .done ? [] : [KeyHint("x", "kill", rank: Rank.controls)] }) { s, _ in
            guard s.killAllowed(), let n = s.focusedTrial, let t = s.study.trial(n) else { return [] }
            guard !t.state.isFinished else {
                s.status = "trial \(n) is not running"
                return []
            }
            s.overlay = .confirmKill(trial: n)
            return []
        },
        Binding([.char("K"), .char("X")], help: "kill all running", sharesRow: true, offered: { $0.mode.controlsTrials },
                hints: { $0.study.phase == .done ? [] : [KeyHint("K", "kill all", rank: Rank.controls)] }) { s, _ in
            guard s.killAllowed() else { return [] }
            guard s.count(.running) + s.count(.waiting) > 0 else {
                s.status = "no trial is running"
                return []
            }
            s.overlay = .confirmKillAll
            return []
        },
        Binding([.char("r")], help: "run the failed or pruned set again", offered: { $0.mode.controlsTrials }) { s, _ in
            guard s.killAllowed(), let n = s.focusedTrial, let t = s.study.trial(n) else { return [] }
            guard t.state == .failed || t.state == .pruned else {
                s.status = t.state.isFinished ? "trial \(n) completed: + gives its set more runs" : "trial \(n) is still running"
                return []
            }
            s.status = "set \(t.launch.paramSet) (trial \(n)'s) runs again next"
            return [.command(.retry(paramSet: t.launch.paramSet))]
        },
        Binding([.char("+")], help: "more runs", sharesRow: true, offered: { $0.mode.controlsTrials }) { s, _ in
            guard s.killAllowed(), let n = s.focusedTrial, let t = s.study.trial(n) else { return [] }
            s.overlay = .repeats(paramSet: t.launch.paramSet, draft: "")
            return []
        },
        Binding([.char("e")], help: "enqueue a parameter set you type; it runs next", offered: { $0.mode.controlsTrials }) { s, _ in
            guard s.killAllowed(), let spec = s.spec else { return [] }
            // The best set's values to start from: a set one has in mind is usually near it.
            let start = s.best?.params ?? [:]
            s.overlay = .enqueue(fields: spec.space.parameters.map { p in TextField(start[p.name].map(p.distribution.formText) ?? "") },
                                 focus: 0, problem: nil)
            return []
        },
        Binding([.control("l")], help: "repaint the whole screen", anywhere: true) { _, _ in [.repaint] },
        Binding([.char("q")], helpText: { s in
            s.mode == .live ? "quit (asks while the study runs)" : s.mode == .attach ? "detach: the study goes on" : "quit"
        }, hints: { [KeyHint("q", $0.mode == .attach ? "detach" : "quit", rank: Rank.quit)] }) { s, _ in
            if s.mode == .live && s.isRunning {
                s.overlay = .confirmQuit
                return []
            }
            if s.mode == .attach { s.status = "detached: the study goes on" }
            return [.quit]
        },
        Binding([.char("?")], quiet: [.function(1)], help: "this help", sharesRow: true,
                hints: { _ in [KeyHint("?", "help", rank: Rank.help)] }) { s, _ in s.overlay = .help; return [] },
    ])

    private var isDetail: Bool {
        if case .detail = screen { return true }
        return false
    }

    private mutating func openDetail() {
        guard let n = selectedTrial else { return }
        screen = .detail(trial: n)
        detailScroll = 0
    }

    private mutating func clearFilters() {
        guard !filter.isEmpty || stateFilter != nil else { return }
        filter = TextField()
        stateFilter = nil
        reorderKeepingSelection()
    }

    private mutating func sortByNextColumn() {
        let columns = sortColumns
        let i = columns.firstIndex(of: sort) ?? 0
        sort = columns[(i + 1) % columns.count]
        reorderKeepingSelection()
    }

    private mutating func cycleStateFilter() {
        let cycle: [TrialState?] = [nil, .running, .complete, .pruned, .failed, .waiting]
        let i = cycle.firstIndex(of: stateFilter) ?? 0
        stateFilter = cycle[(i + 1) % cycle.count]
        reorderKeepingSelection()
    }

    /// The trial the kill key acts on: the one in the detail view, else the selected row.
    private var focusedTrial: Int? {
        if case .detail(let n) = screen { return n }
        return selectedTrial
    }

    private mutating func controlsAllowed() -> Bool {
        if mode == .browse || study.phase == .done {
            status = "the study is over"
            return false
        }
        return true
    }

    private mutating func killAllowed() -> Bool {
        guard controlsAllowed() else { return false }
        if !mode.controlsTrials {
            status = "read-only: trials can be killed from `hypertop attach` or the hypertop that runs the study"
            return false
        }
        return true
    }

    private mutating func handle(_ key: Key, in overlay: DashboardOverlay) -> [DashboardEffect] {
        switch overlay {
        case .help:
            self.overlay = nil
            return []
        case .confirmKill(let n):
            if key == .char("y") || key == .char("Y") || key == .enter {
                self.overlay = nil
                status = "killing trial \(n)"
                return [.command(.kill(trial: n, reason: nil))]
            }
            if key == .char("n") || key == .char("N") || key == .escape { self.overlay = nil }
            return []
        case .confirmKillAll:
            if key == .char("y") || key == .char("Y") || key == .enter {
                self.overlay = nil
                status = "killing all running trials"
                return [.command(.killAll(reason: nil))]
            }
            if key == .char("n") || key == .char("N") || key == .escape { self.overlay = nil }
            return []
        case .repeats(let set, var draft):
            switch key {
            case .escape: self.overlay = nil
            case .enter:
                let count = draft.isEmpty ? 1 : Int(draft.text) ?? 0
                guard count >= 1 && count <= 100 else {
                    status = "type how many more runs (1 to 100)"
                    return []
                }
                self.overlay = nil
                status = "set \(set) gets \(count) more run\(count == 1 ? "" : "s")"
                return [.command(.addRuns(paramSet: set, count: count))]
            default:
                if draft.edit(key, limit: 3, accepts: \.isNumber) { self.overlay = .repeats(paramSet: set, draft: draft) }
            }
            return []
        case .enqueue(var fields, var focus, _):
            guard let parameters = spec?.space.parameters, fields.count == parameters.count, !fields.isEmpty else {
                self.overlay = nil
                return []
            }
            switch key {
            case .escape:
                self.overlay = nil
                return []
            case .tab, .down: focus = (focus + 1) % fields.count
            case .backTab, .up: focus = (focus + fields.count - 1) % fields.count
            case .enter:
                var params = Params()
                for (p, field) in zip(parameters, fields) {
                    switch p.parse(field.text) {
                    case .success(let v): params[p.name] = v
                    case .failure(let problem):
                        self.overlay = .enqueue(fields: fields, focus: parameters.firstIndex { $0.name == p.name } ?? focus, problem: problem.description)
                        return []
                    }
                }
                self.overlay = nil
                status = "enqueued: it runs before the sampler's next proposal"
                return [.command(.enqueue(params))]
            default:
                fields[focus].edit(key)
            }
            self.overlay = .enqueue(fields: fields, focus: focus, problem: nil)
            return []
        case .note(let trial, var draft, let editsLast):
            let old = trial.map { notes.trials[$0] ?? "" } ?? notes.study
            var kept = old.isEmpty ? [] : old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            switch key {
            case .escape:
                self.overlay = nil
            case .up where !editsLast && !kept.isEmpty:
                // The last line comes back into the draft, to correct it; Enter puts it back.
                self.overlay = .note(trial: trial, draft: TextField(kept.last ?? ""), editsLast: true)
            case .enter:
                self.overlay = nil
                let line = draft.text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : draft.text
                if editsLast {
                    guard line != kept.last else {
                        status = "the note is unchanged"
                        return []
                    }
                    if !kept.isEmpty { kept.removeLast() }  // (gone already if the store's copy changed meanwhile)
                } else if line == nil {
                    status = "empty line: the note is unchanged"
                    return []
                }
                // A new line is added to what the note says; only the line taken back with Up
                // is replaced (an emptied one is removed).
                if let line { kept.append(line) }
                let body = kept.joined(separator: "\n")
                if let trial { notes.trials[trial] = body } else { notes.study = body }
                status = "saving the note on " + (trial.map { "trial \($0)" } ?? "the study")
                return [.saveNote(trial: trial, body: body, base: old)]
            default:
                if draft.edit(key) { self.overlay = .note(trial: trial, draft: draft, editsLast: editsLast) }
            }
            return []
        case .confirmQuit:
            switch key {
            case .char("s"), .char("S"): return [.quitAndStop]
            case .char("k"), .char("K"): return [.quitAndKill]
            case .char("d") where canDetach, .char("D") where canDetach: return [.detach]
            case .escape, .char("c"), .char("n"):
                self.overlay = nil
                return []
            default: return []
            }
        }
    }

    private mutating func editFilter(_ key: Key) {
        switch key {
        case .enter:
            editingFilter = false
        case .escape:
            editingFilter = false
            filter = TextField()
        default:
            let before = filter.text
            guard filter.edit(key), filter.text != before else { return }
        }
        reorderKeepingSelection()
    }

    private mutating func moveInTable(_ key: Key) {
        let row = selectedRow ?? 0
        switch key {
        case .down, .char("j"): select(row: row + 1)
        case .up, .char("k"): select(row: row - 1)
        case .pageDown: select(row: row + pageRows); offset = min(offset + pageRows, max(0, rows.count - pageRows)); repairScroll()
        case .pageUp: select(row: row - pageRows); offset = max(0, offset - pageRows); repairScroll()
        case .home, .char("g"): select(row: 0)
        case .end, .char("G"): select(row: rows.count - 1)
        default: break
        }
    }

    private mutating func scrollDetail(_ key: Key) {
        switch key {
        case .down, .char("j"):
            let charts = focusedTrial.flatMap { study.trial($0) }.map { metricKeys(of: $0).count } ?? 0
            detailScroll = min(detailScroll + 1, max(0, charts - 1))
        case .up, .char("k"): detailScroll = max(0, detailScroll - 1)
        case .home, .char("g"): detailScroll = 0
        default: break
        }
    }
}

private extension AnalysisView {
    /// Its line in `?`.
    func help(severalObjectives: Bool) -> String {
        switch self {
        case .importance where severalObjectives: return "importance: what drives each objective (Tab: next)"
        case .importance: return "importance: what drives the score, which way"
        case .history where severalObjectives: return "history: hypervolume of the front, trials and time"
        case .history: return "history: best so far by trial and by time"
        case .timeline: return "timeline: one lane per slot, idle share"
        case .parallel: return "parallel coordinates"
        case .slices: return "slices (Tab switches)"
        case .pareto: return "pareto front of the objectives (Tab: next pair)"
        }
    }

    /// Its name on the key line of another view.
    var shortTitle: String {
        switch self {
        case .parallel: return "coords"
        case .pareto: return "pareto"
        default: return title
        }
    }
}
