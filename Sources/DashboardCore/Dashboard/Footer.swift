/// The line above the keys: the filter being typed, else the last feedback or engine message.
struct StatusLine: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        if state.editingFilter {
            let x = area.x + buf.put(" filter: ", x: area.x, y: area.y, style: .fg(.accent, bold: true))
            let used = buf.put(state.filterText, x: x, y: area.y, maxWidth: area.right - x)
            buf.set(x + used, area.y, "_", Style(bold: true))
            buf.put("   Enter keeps it, Esc clears it", x: x + used + 1, y: area.y, maxWidth: area.right - x - used - 1,
                    style: .fg(.muted))
            return
        }
        if let status = state.status {
            buf.put(" " + status, x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
        }
    }
}

/// The keys that work here, as many as fit, most useful first.
struct KeysLine: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        var keys: [(String, String)] = [("?", "help"), ("q", state.mode == .attach ? "detach" : "quit")]
        // This screen's own keys, then the study's controls, then the rest: as many as fit.
        var later: [(String, String)] = []
        switch state.screen {
        case .trials:
            keys += [("Enter", "detail")]
            // The five views in one entry (each is in `?`), so they fit beside the controls at 80 columns.
            later = [("iHtcl", "views"), ("j/k", "move"), ("o/O", "sort"), ("/", "filter"), ("f", "state")]
        case .detail: keys += [("Esc", "back"), ("j/k", "scroll")]
        case .view(let view):
            keys += [("Esc", "back")]
            if view == .parallel || view == .slices { keys += [("Tab", view == .parallel ? "slices" : "coords")] }
            later = AnalysisView.allCases.filter { $0 != view }.map { (String($0.key), $0 == .parallel ? "coords" : $0.title) }
        }
        if state.mode != .browse && state.study.phase != .done {
            keys += [("p", state.study.phase == .paused ? "resume" : "pause"),
                     ("s", state.study.phase == .stopping ? "cancel stop" : "stop")]
            if state.mode.controlsTrials { keys += [("x", "kill"), ("K", "kill all")] }
        }
        keys += later
        var x = area.x
        for (key, label) in keys {
            let need = key.count + label.count + 3
            guard x + need <= area.right else { break }
            x += buf.put(" " + key, x: x, y: area.y, style: Style(fg: .title, bold: true))
            x += buf.put(" " + label + " ", x: x, y: area.y, style: .fg(.muted))
        }
    }
}
