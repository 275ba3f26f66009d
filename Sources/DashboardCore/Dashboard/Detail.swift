import Foundation
import HyperOpt

extension DashboardState {
    /// Metric names a trial reported, the criterion first, the rest in alphabetical order.
    public func metricKeys(of trial: TrialRecord) -> [String] {
        let keys = Set(trial.metrics.keys)
        let rest = keys.subtracting([criterion]).sorted()
        return keys.contains(criterion) ? [criterion] + rest : rest
    }
}

/// One trial in full: parameters, command, run directory, how it ended, every metric series as
/// a chart, and the last lines of its output (following live while it runs).
func renderDetail(_ state: DashboardState, _ number: Int, _ layout: DetailLayout, _ buf: inout Buffer) {
    let g = state.glyphs
    guard let t = state.study.trial(number) else {
        buf.put(" trial \(number) is not in this study", x: 0, y: 0, style: .fg(.warning, bold: true))
        return
    }
    let bar = Style(fg: .title, bg: .headerBar, bold: true)
    buf.fill(layout.header, with: Cell(" ", style: bar))
    let title = " trial \(t.number)  repeat \(t.launch.repeatIndex) of set \(t.launch.paramSet)"
        + "  \(Format.duration(t.duration(now: state.now)))  \(state.spec?.studyName ?? "")"
    let stateText = " \(t.state.rawValue) "
    buf.put(title, x: 0, y: layout.header.y, maxWidth: layout.header.width - stateText.count - 1, style: bar)
    buf.put(stateText, x: layout.header.right - stateText.count, y: layout.header.y,
            style: Style(fg: t.state.role == .complete ? .title : t.state.role, bg: .headerBar, bold: true))

    renderInfo(state, t, layout.info, &buf)
    renderUsage(state, t, layout.usage, &buf)
    renderCharts(state, t, layout.charts, &buf)

    let lines = state.output(of: number)
    // The trial's note (n adds a line; optuna-dashboard's notes show here too) above its output.
    let note = state.notes.trials[number].map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
    let outputTitle = (note.isEmpty ? "" : "note, then ") + "output, last lines" + (t.state == .running ? " (live)" : "")
    var inner = Block(title: outputTitle).render(layout.output, &buf, glyphs: g)
    if !note.isEmpty {
        let shown = Array(note.suffix(max(1, inner.height / 2)))
        for (i, line) in shown.enumerated() {
            buf.put((i == 0 ? "note: " : "      ") + line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 1, style: .fg(.accent))
        }
        inner = Rect(x: inner.x, y: inner.y + shown.count, width: inner.width, height: inner.height - shown.count)
    }
    if lines.isEmpty {
        buf.put(t.state.isFinished ? "no output" : "no output yet", x: inner.x + 1, y: inner.y, maxWidth: inner.width - 1, style: .fg(.muted))
    }
    for (i, line) in lines.suffix(inner.height).enumerated() {
        buf.put(line.text, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 1,
                style: line.stream == .stderr ? .fg(.warning) : .plain)
    }
}

private func renderInfo(_ state: DashboardState, _ t: TrialRecord, _ area: Rect, _ buf: inout Buffer) {
    let label = Style.fg(.muted)
    let valueX = area.x + 10
    let width = area.right - valueX
    func row(_ i: Int, _ name: String, _ spans: [Span]) {
        guard i < area.height else { return }
        buf.put(" " + name, x: area.x, y: area.y + i, style: label)
        buf.put(spans, x: valueX, y: area.y + i, maxWidth: width)
    }
    var params: [Span] = []
    for p in state.spec?.space.parameters ?? [] {
        guard let v = t.launch.params[p.name] else { continue }
        params.append(Span(Format.shortName(p.name) + "=", .fg(.muted)))
        params.append(Span(v.description + "  ", .fg(.accent)))
    }
    row(0, "params", params)
    // The command wraps onto a second line; past that it is cut.
    let command = ProcessText.commandLine(t.launch.command)
    let first = Format.prefix(command, cells: width)
    row(1, "command", [Span(first)])
    if first.unicodeScalars.count < command.unicodeScalars.count {
        let rest = String(command.unicodeScalars.dropFirst(first.unicodeScalars.count))
        row(2, "", [Span(Format.truncate(rest, width, ellipsis: state.glyphs.ellipsis))])
    }
    // Where its curves are read from, when not from its own metric files or output (TensorBoard, W&B).
    var runDir = [Span(t.launch.runDir)]
    if !t.curveSources.isEmpty {
        runDir.append(Span("  curves from ", .fg(.muted)))
        runDir.append(Span(ProcessText.printable(t.curveSources.joined(separator: ", "))))
    }
    row(3, "run dir", runDir)
    row(4, "ended", endedSpans(t))
    var score: [Span] = [Span(t.score.map { Format.number($0, width: 9) } ?? "-", .fg(.best, bold: t.score != nil))]
    if let info = state.study.info {
        score.append(Span("  (\(info.objectiveLabel(evidence: t.score == nil ? nil : t)))", .fg(.muted)))
    }
    if let v = t.latest(state.criterion) {
        score.append(Span("   latest \(Format.number(v, width: 9)) after \(t.evaluations(state.criterion))", .plain))
        if let e = state.spec?.nEpochs { score.append(Span("/\(e)")) }
        score.append(Span(" evaluations", .fg(.muted)))
    }
    row(5, "score", score)
}

/// What the trial costs the machine: now and in all, and its CPU and memory over time as two
/// small charts (the last four minutes at a refresh of 1 s).
private func renderUsage(_ state: DashboardState, _ t: TrialRecord, _ area: Rect, _ buf: inout Buffer) {
    guard area.height >= 1 else { return }
    var spans: [Span] = []
    let running = !t.state.isFinished
    if running, let u = t.usage {
        if u.idle { spans.append(Span("idle \(Format.duration(u.idleSeconds))  ", .fg(.warning, bold: true))) }
        spans.append(Span("cpu \(Format.percent(u.cpuPercent))%", Meter.cpuStyle(u.cpuPercent / 100 / TrialColumn.coresGiven(t, state))))
        spans.append(Span(String(format: " (%.1f CPU s)", u.cpuSeconds), .fg(.muted)))
        spans.append(Span("  mem \(Format.bytes(u.rssBytes))", Meter.sizeStyle(u.rssBytes)))
        spans.append(Span(" (peak \(Format.bytes(u.peakRSSBytes)))", .fg(.muted)))
        if let g = u.gpuBytes { spans.append(Span("  gpu \(Format.bytes(g))" + (u.gpuPercent.map { " \(Format.percent($0))%" } ?? ""))) }
        spans.append(Span("  \(u.processes) process\(u.processes == 1 ? "" : "es"), \(u.threads) thread\(u.threads == 1 ? "" : "s")", .fg(.muted)))
    } else if let cpu = t.cpuSeconds {
        spans.append(Span(String(format: "%.1f CPU s", cpu)))
        if let p = t.cpuPercent(now: state.now) { spans.append(Span(" (\(Format.percent(p))% of a core on average)", .fg(.muted))) }
        if let peak = t.peakRSSBytes { spans.append(Span("  peak mem \(Format.bytes(peak))")) }
        if let g = t.peakGPUBytes { spans.append(Span("  peak gpu \(Format.bytes(g))")) }
    }
    buf.put(" usage", x: area.x, y: area.y, style: .fg(.muted))
    buf.put(spans, x: area.x + 10, y: area.y, maxWidth: area.width - 10)
    guard area.height >= 5, t.usageHistory.count >= 2 else { return }
    let half = (area.width - 2) / 2
    let cpu = t.usageHistory.enumerated().map { (step: $0.offset, value: $0.element.cpuPercent) }
    let mem = t.usageHistory.enumerated().map { (step: $0.offset, value: Double($0.element.rssBytes) / ResourceTotals.mebibyte) }
    for (i, (title, points)) in [("cpu % (history)", cpu), ("mem MiB (history)", mem)].enumerated() {
        let x = area.x + i * (half + 2)
        buf.put(" " + title, x: x, y: area.y + 1, maxWidth: half, style: Style(fg: .accent, bold: true))
        Chart(points, style: .fg(i == 0 ? .running : .accent)).render(Rect(x: x + 1, y: area.y + 2, width: half - 1, height: 3), &buf, glyphs: state.glyphs)
    }
}

private func endedSpans(_ t: TrialRecord) -> [Span] {
    guard let o = t.outcome else {
        if t.state == .waiting { return [Span("QUEUED", .fg(.waiting, bold: true)), Span("  " + (t.queueReason ?? "in the cluster's queue"), .fg(.muted))] }
        return [Span("still running" + (t.node.map { " on \($0)" } ?? ""), .fg(.running))]
    }
    var spans = [Span(o.state.label, .fg(o.state.role, bold: true))]
    var said = ""
    if let s = o.signal {
        said = "killed by signal \(s)\(ProcessText.signalName(s).map { " (\($0))" } ?? "")"
        spans.append(Span("  " + said, .fg(.failed)))
    } else if let code = o.exitStatus {
        said = "exit status \(code)"
        spans.append(Span("  " + said, code == 0 ? .plain : .fg(.failed)))
    }
    if let reason = o.reason, reason != said { spans.append(Span("  " + reason, .fg(.warning))) }
    return spans
}


private func renderCharts(_ state: DashboardState, _ t: TrialRecord, _ area: Rect, _ buf: inout Buffer) {
    guard area.height >= 3 else { return }
    let keys = state.metricKeys(of: t)
    guard !keys.isEmpty else {
        let text = !t.state.isFinished ? "no metrics reported yet"
            : state.spec?.scoreSource(evidence: t.score == nil ? nil : t) == .returned ? "no metrics logged: the score is the value the app returned"
            : "no metrics logged"
        buf.put(" " + text, x: area.x, y: area.y + 1, maxWidth: area.width, style: .fg(.muted))
        return
    }
    let columns = area.width >= 100 ? 2 : 1
    var chartHeight = min(area.height, max(5, area.height / 2))
    var perScreen = max(1, area.height / chartHeight) * columns
    if keys.count > perScreen {
        // The last row tells how many metrics are out of sight, so the charts give it up.
        chartHeight = min(area.height - 1, max(5, (area.height - 1) / 2))
        perScreen = max(1, (area.height - 1) / chartHeight) * columns
    }
    let first = min(state.detailScroll, max(0, keys.count - perScreen)) / columns * columns
    let cellWidth = (area.width - (columns - 1) * 2) / columns
    for (i, key) in keys.dropFirst(first).prefix(perScreen).enumerated() {
        let cell = Rect(x: area.x + (i % columns) * (cellWidth + 2), y: area.y + (i / columns) * chartHeight,
                        width: cellWidth, height: chartHeight)
        let series = t.series(key)
        var title = [Span(" " + key, Style(fg: key == state.criterion ? .best : .accent, bold: true))]
        if let last = series.last { title.append(Span("  " + Format.number(last.value, width: 9))) }
        title.append(Span("  \(series.count) points", .fg(.muted)))
        // The pruner's bar at each evaluation it judged, over the criterion's curve.
        let bars = key == state.criterion ? t.pruneChecks.map { (index: $0.evaluation, value: $0.bar) } : []
        if !bars.isEmpty { title.append(Span("  \(state.glyphs.isUnicode ? "━" : "-") the pruner's bar", .fg(.warning, bold: true))) }
        buf.put(title, x: cell.x, y: cell.y, maxWidth: cell.width)
        Chart(series, style: .fg(key == state.criterion ? .best : .accent), bars: bars)
            .render(Rect(x: cell.x + 1, y: cell.y + 1, width: cell.width - 1, height: cell.height - 1), &buf, glyphs: state.glyphs)
    }
    let hidden = keys.count - first - perScreen
    if first > 0 || hidden > 0 {
        let note = " metrics \(first + 1)-\(min(keys.count, first + perScreen)) of \(keys.count) (j/k scroll) "
        buf.put(note, x: max(area.x, area.right - note.count), y: area.bottom - 1, style: .fg(.muted))
    }
}
