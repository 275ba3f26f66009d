import HyperOpt

extension DashboardState {
    mutating func handle(_ key: Key) -> [DashboardEffect] {
        if let overlay { return handle(key, in: overlay) }
        if editingFilter { editFilter(key); return [] }
        if let effects = handleCommon(key) { return effects }
        switch screen {
        case .trials: moveInTable(key)
        case .detail: moveInDetail(key)
        case .view(let view): moveInView(view, key)
        }
        return []
    }

    /// Keys that mean the same on every screen.
    private mutating func handleCommon(_ key: Key) -> [DashboardEffect]? {
        switch key {
        case .char("q"):
            if mode == .live && isRunning {
                overlay = .confirmQuit
                return []
            }
            if mode == .attach { status = "detached: the study goes on" }
            return [.quit]
        case .char("?"), .function(1):
            overlay = .help
            return []
        case .char("n"):
            // A note on the trial in focus; N: on the study.
            guard let n = focusedTrial, study.trial(n) != nil else {
                status = "no trial selected: N writes a note on the study"
                return []
            }
            overlay = .note(trial: n, draft: "")
            return []
        case .char("N"):
            overlay = .note(trial: nil, draft: "")
            return []
        case .char("r"):
            guard killAllowed(), let n = focusedTrial, let t = study.trial(n) else { return [] }
            guard t.state == .failed || t.state == .pruned else {
                status = t.state.isFinished ? "trial \(n) completed: + gives its set more runs" : "trial \(n) is still running"
                return []
            }
            status = "set \(t.launch.paramSet) (trial \(n)'s) runs again next"
            return [.command(.retry(paramSet: t.launch.paramSet))]
        case .char("+"):
            guard killAllowed(), let n = focusedTrial, let t = study.trial(n) else { return [] }
            overlay = .repeats(paramSet: t.launch.paramSet, draft: "")
            return []
        case .char("e"):
            guard killAllowed(), let spec else { return [] }
            // The best set's values to start from: a set one has in mind is usually near it.
            let start = best?.params ?? [:]
            overlay = .enqueue(fields: spec.space.parameters.map { start[$0.name]?.description ?? "" }, focus: 0, problem: nil)
            return []
        case .char(let c) where AnalysisView.allCases.contains(where: { $0.key == c }):
            let view = AnalysisView.allCases.first { $0.key == c }!
            screen = screen == .view(view) ? .trials : .view(view)
            return []
        case .char("p"):
            guard controlsAllowed() else { return [] }
            status = study.phase == .paused ? "resuming: pause file removed" : "pausing: no new trials until p is pressed again"
            return [.command(.togglePause)]
        case .char("s"):
            guard controlsAllowed() else { return [] }
            status = study.phase == .stopping
                ? "stop file re-created: the study goes on"
                : "stop file deleted: no new trials; running ones finish (s again cancels)"
            return [.command(.toggleStop)]
        case .char("x"), .delete, .function(9):
            guard killAllowed() else { return [] }
            guard let n = focusedTrial, let t = study.trial(n) else { return [] }
            guard !t.state.isFinished else {
                status = "trial \(n) is not running"
                return []
            }
            overlay = .confirmKill(trial: n)
            return []
        case .char("K"), .char("X"):
            guard killAllowed() else { return [] }
            guard count(.running) + count(.waiting) > 0 else {
                status = "no trial is running"
                return []
            }
            overlay = .confirmKillAll
            return []
        default:
            return nil
        }
    }

    private mutating func moveInView(_ view: AnalysisView, _ key: Key) {
        switch key {
        case .escape, .left, .backspace:
            screen = .trials
        case .tab:
            // Parallel coordinates and slices are two pictures of the same trials.
            if view == .parallel { screen = .view(.slices) } else if view == .slices { screen = .view(.parallel) }
        default:
            break
        }
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
                let count = draft.isEmpty ? 1 : Int(draft) ?? 0
                guard count >= 1 && count <= 100 else {
                    status = "type how many more runs (1 to 100)"
                    return []
                }
                self.overlay = nil
                status = "set \(set) gets \(count) more run\(count == 1 ? "" : "s")"
                return [.command(.addRuns(paramSet: set, count: count))]
            case .backspace:
                if !draft.isEmpty { draft.removeLast() }
                self.overlay = .repeats(paramSet: set, draft: draft)
            case .char(let c) where c.isNumber && draft.count < 3:
                draft.append(c)
                self.overlay = .repeats(paramSet: set, draft: draft)
            default: break
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
            case .backspace: if !fields[focus].isEmpty { fields[focus].removeLast() }
            case .char(let c): fields[focus].append(c)
            case .enter:
                var params = Params()
                for (p, text) in zip(parameters, fields) {
                    switch p.parse(text) {
                    case .success(let v): params[p.name] = v
                    case .failure(let problem):
                        self.overlay = .enqueue(fields: fields, focus: parameters.firstIndex { $0.name == p.name } ?? focus, problem: problem.description)
                        return []
                    }
                }
                self.overlay = nil
                status = "enqueued: it runs before the sampler's next proposal"
                return [.command(.enqueue(params))]
            default: break
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
                self.overlay = .note(trial: trial, draft: kept.last ?? "", editsLast: true)
            case .enter:
                self.overlay = nil
                let line = draft.trimmingCharacters(in: .whitespaces).isEmpty ? nil : draft
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
            case .backspace:
                if !draft.isEmpty { draft.removeLast() }
                self.overlay = .note(trial: trial, draft: draft, editsLast: editsLast)
            case .char(let c):
                draft.append(c)
                self.overlay = .note(trial: trial, draft: draft, editsLast: editsLast)
            default:
                break
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
            filterText = ""
        case .backspace:
            if !filterText.isEmpty { filterText.removeLast() }
        case .char(let c):
            filterText.append(c)
        default:
            return
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
        case .enter, .right:
            if let n = selectedTrial {
                screen = .detail(trial: n)
                detailScroll = 0
            }
        case .char("o"):
            let columns = sortColumns
            let i = columns.firstIndex(of: sort) ?? 0
            sort = columns[(i + 1) % columns.count]
            reorderKeepingSelection()
        case .char("O"):
            descending.toggle()
            reorderKeepingSelection()
        case .char("/"):
            editingFilter = true
        case .char("f"), .tab:
            let cycle: [TrialState?] = [nil, .running, .complete, .pruned, .failed, .waiting]
            let i = cycle.firstIndex(of: stateFilter) ?? 0
            stateFilter = cycle[(i + 1) % cycle.count]
            reorderKeepingSelection()
        case .escape:
            if !filterText.isEmpty || stateFilter != nil {
                filterText = ""
                stateFilter = nil
                reorderKeepingSelection()
            }
        default:
            break
        }
    }

    private mutating func moveInDetail(_ key: Key) {
        switch key {
        case .escape, .left, .backspace, .char("h"):
            screen = .trials
        case .down, .char("j"):
            let charts = focusedTrial.flatMap { study.trial($0) }.map { metricKeys(of: $0).count } ?? 0
            detailScroll = min(detailScroll + 1, max(0, charts - 1))
        case .up, .char("k"): detailScroll = max(0, detailScroll - 1)
        case .home, .char("g"): detailScroll = 0
        default: break
        }
    }
}
