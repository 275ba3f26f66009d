import HyperOpt

func overlayDialog(_ state: DashboardState, _ overlay: DashboardOverlay) -> Dialog {
    let key = Style(fg: .title, bold: true)
    switch overlay {
    case .help:
        var rows: [(String, String)] = [
            ("j k  up down", "move the selection"),
            ("PgUp PgDn Home End", "move by pages, to the ends"),
            ("Enter", "trial detail: curves, command, output"),
            ("Esc", "back; on the table, clear the filter"),
            ("o  O", "sort by the next column; reverse the order"),
            ("/", "filter by text (number, state, name=value)"),
            ("f  Tab", "show only one state (cycles)"),
            ("i", "importance: what drives the score, which way"),
            ("H", "history: best so far by trial and by time"),
            ("t", "timeline: one lane per slot, idle share"),
            ("c", "parallel coordinates of all trials (Tab: slices)"),
            ("l", "slices: score against each parameter"),
        ]
        if state.mode != .browse {
            rows += [
                ("p", "pause or resume launching (the pause file)"),
                ("s", "stop: delete the stop file; again to cancel"),
            ]
        }
        if state.mode.controlsTrials {
            rows += [("x  F9", "kill the selected trial"), ("K", "kill all running trials")]
        }
        let quit = state.mode == .live ? "quit (asks while the study runs)" : state.mode == .attach ? "detach: the study goes on" : "quit"
        rows += [("q", quit), ("?", "this help")]
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
    case .confirmQuit:
        return Dialog(title: "the study is still running", lines: [
            [Span("s", key), Span("    stop gracefully: no new trials, running ones finish")],
            [Span("k", key), Span("    kill the running trials and end now")],
        ] + (state.canDetach ? [[Span("d", key), Span("    detach: the study goes on without this terminal")]] : []) + [
            [Span("Esc", key), Span("  back to the dashboard")],
        ])
    }
}
