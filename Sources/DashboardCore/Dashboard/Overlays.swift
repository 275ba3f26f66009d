import HyperOpt

func overlayDialog(_ state: DashboardState, _ overlay: DashboardOverlay) -> Dialog {
    let key = Style(fg: .title, bold: true)
    switch overlay {
    case .help:
        // One row per key or pair of related keys: the whole list fits an 80x24 terminal.
        var rows: [(String, String)] = [
            ("j k PgUp PgDn Home End", "move the selection; by pages; to the ends"),
            ("Enter  Esc", "trial detail; back (on the table: clear filter)"),
            ("o  O", "sort by the next column; reverse the order"),
            ("/", "filter by text (number, state, name=value)"),
            ("f  Tab", "show only one state (cycles)"),
            ("i", "importance: what drives the score, which way"),
            ("H", "history: best so far by trial and by time"),
            ("t", "timeline: one lane per slot, idle share"),
            ("c  l", "parallel coordinates; slices (Tab switches)"),
            ("n  N", "add a line to the trial's note; to the study's"),
        ]
        if state.mode != .browse {
            rows += [("p  s", "pause or resume launching; stop (again: cancel)")]
        }
        if state.mode.controlsTrials {
            rows += [("x F9  K", "kill the selected trial; kill all running"),
                     ("r  +", "run the failed or pruned set again; more runs"),
                     ("e", "enqueue a parameter set you type; it runs next")]
        }
        let quit = state.mode == .live ? "quit (asks while the study runs)" : state.mode == .attach ? "detach: the study goes on" : "quit"
        rows += [("q  ?", quit + "; this help")]
        let width = rows.map { $0.0.count }.max() ?? 0
        var lines = rows.map { [Span(Format.pad($0.0, width), key), Span("  " + $0.1)] }
        lines.append([])
        lines.append([Span("any key closes this help", .fg(.muted))])
        return Dialog(title: "keys", lines: lines)
    case .confirmKill(let n):
        let grace = state.spec.map { Format.duration($0.killGraceSeconds) } ?? "a grace period"
        return Dialog(title: "kill trial \(n)?", lines: [
            [Span("SIGTERM now, SIGKILL after \(grace); the trial is marked failed.")],
            [],
            [Span("y", key), Span(" kill    "), Span("n", key), Span(" keep it running")],
        ])
    case .confirmKillAll:
        let n = state.count(.running)
        return Dialog(title: "kill all running trials?", lines: [
            [Span("\(n) running trial\(n == 1 ? "" : "s") get SIGTERM, then SIGKILL.")],
            [Span("Launching goes on unless you also stop the study (s).")],
            [],
            [Span("y", key), Span(" kill them all    "), Span("n", key), Span(" keep them running")],
        ])
    case .repeats(let set, let draft):
        let runs = state.study.paramSets.indices.contains(set) ? state.study.paramSets[set].count : 0
        return Dialog(title: "more runs of set \(set)", lines: [
            [Span("It has \(runs) complete run\(runs == 1 ? "" : "s"). How many more? ")],
            [Span("> ", key), Span(draft.isEmpty ? "1" : draft, draft.isEmpty ? .fg(.muted) : .plain), Span("_", Style(bold: true))],
            [],
            [Span("Enter", key), Span(" adds them  "), Span("Esc", key), Span(" cancels")],
        ])
    case .enqueue(let fields, let focus, let problem):
        let parameters = state.spec?.space.parameters ?? []
        let width = min(28, parameters.map { Format.shortName($0.name).count }.max() ?? 8)
        var lines: [[Span]] = parameters.enumerated().map { i, p in
            [Span(i == focus ? "> " : "  ", key), Span(Format.pad(Format.truncate(Format.shortName(p.name), width), width), .fg(.accent)),
             Span(" " + fields[i], i == focus ? Style(bold: true) : .plain), Span(i == focus ? "_" : "", Style(bold: true)),
             Span("   " + rangeText(p.distribution), .fg(.muted))]
        }
        lines.append([])
        if let problem { lines.append([Span(problem, .fg(.failed, bold: true))]) }
        lines.append([Span("Tab", key), Span(" next  "), Span("Enter", key), Span(" enqueue (runs next)  "), Span("Esc", key), Span(" cancel")])
        return Dialog(title: "enqueue a parameter set", lines: lines)
    case .note(let trial, let draft, let editsLast):
        let old = trial.map { state.notes.trials[$0] ?? "" } ?? state.notes.study
        var shown = old.isEmpty ? [] : old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if editsLast, !shown.isEmpty { shown.removeLast() }  // it is in the draft
        var lines: [[Span]] = shown.isEmpty && !editsLast ? [[Span("no note yet", .fg(.muted))]] : shown.suffix(8).map { [Span($0)] }
        if shown.count > 8 { lines.insert([Span("(\(shown.count - 8) earlier lines)", .fg(.muted))], at: 0) }
        lines.append([])
        lines.append([Span("> ", key), Span(draft), Span("_", Style(bold: true))])
        lines.append([])
        lines.append(editsLast
            ? [Span("Enter", key), Span(" replaces the last line (emptied: removes it)  "), Span("Esc", key), Span(" cancels")]
            : [Span("Enter", key), Span(" adds the line  ")] + (old.isEmpty ? [] : [Span("Up", key), Span(" edits the last one  ")])
                + [Span("Esc", key), Span(" cancels")])
        lines.append([Span("optuna-dashboard shows this note too", .fg(.muted))])
        return Dialog(title: "note on " + (trial.map { "trial \($0)" } ?? "the study \(state.spec?.studyName ?? "")"), lines: lines)
    case .confirmQuit:
        return Dialog(title: "the study is still running", lines: [
            [Span("s", key), Span("    stop gracefully: no new trials, running ones finish")],
            [Span("k", key), Span("    kill the running trials and end now")],
        ] + (state.canDetach ? [[Span("d", key), Span("    detach: the study goes on without this terminal")]] : []) + [
            [Span("Esc", key), Span("  back to the dashboard")],
        ])
    }
}

/// The values a parameter takes, for the enqueue form.
public func rangeText(_ d: Distribution) -> String {
    switch d {
    case .float(let lo, let hi, let log, let step):
        return "\(Format.number(lo, width: 8))..\(Format.number(hi, width: 8))" + (log ? " log" : "") + (step.map { " step \(Format.number($0, width: 6))" } ?? "")
    case .int(let lo, let hi, let log, let step):
        return "\(lo)..\(hi)" + (log ? " log" : "") + (step > 1 ? " step \(step)" : "")
    case .categorical(let choices):
        return choices.map(\.description).joined(separator: " | ")
    }
}
