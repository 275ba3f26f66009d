import HyperOpt

func overlayDialog(_ state: DashboardState, _ overlay: DashboardOverlay) -> Dialog {
    let key = Style(fg: .title, bold: true)
    switch overlay {
    case .help:
        // One row per key or pair of related keys: the whole list fits an 80x24 terminal.
        return DashboardState.keyMap.helpDialog(state)
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
            [Span("> ", key)] + draft.spans(placeholder: Span("1", .fg(.muted))),
            [],
            [Span("Enter", key), Span(" adds them  "), Span("Esc", key), Span(" cancels")],
        ])
    case .enqueue(let fields, let focus, let problem):
        let parameters = state.spec?.space.parameters ?? []
        let width = min(28, parameters.map { Format.width(Format.shortName($0.name)) }.max() ?? 8)
        var lines: [[Span]] = parameters.enumerated().map { i, p in
            [Span(i == focus ? "> " : "  ", key), Span(Format.pad(Format.truncate(Format.shortName(p.name), width), width), .fg(.accent)),
             Span(" ")] + (i == focus ? fields[i].spans(Style(bold: true)) : [Span(fields[i].text)])
            + [Span("   " + rangeText(p.distribution), .fg(.muted))]
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
        lines.append([Span("> ", key)] + draft.spans())
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
        return choices.map(d.formText).joined(separator: " | ")
    }
}
