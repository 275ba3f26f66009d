import Foundation
import HyperOpt

/// Draws the whole dashboard for `state` into a fresh buffer of `size`. Pure: the same state and
/// size always give the same buffer, so screens are tested as text.
public func render(_ state: DashboardState, size: Size) -> Buffer {
    var buf = Buffer(size: size)
    guard !size.isTooSmall else {
        renderTooSmall(size, &buf)
        return buf
    }
    switch state.screen {
    case .trials:
        let layout = MainLayout(size, machineRow: state.showsMachine)
        let panels: [(any Widget, Rect)] = [
            (HeaderPanel(state: state), layout.header), (TrialTablePanel(state: state), layout.table),
            (SummaryPanel(state: state), layout.summary), (StatusLine(state: state), layout.status), (KeyLine(hints: DashboardState.keyMap.hints(state)), layout.keys),
        ]
        for (panel, area) in panels { panel.render(area, &buf, glyphs: state.glyphs) }
    case .detail(let number):
        let layout = DetailLayout(size, usageRows: DetailLayout.usageRows(state.study.trial(number)))
        renderDetail(state, number, layout, &buf)
        StatusLine(state: state).render(layout.status, &buf, glyphs: state.glyphs)
        KeyLine(hints: DashboardState.keyMap.hints(state)).render(layout.keys, &buf, glyphs: state.glyphs)
    case .view(let view):
        let layout = ViewLayout(size)
        renderViewFrame(state, view, layout, &buf)
        switch view {
        case .importance: ImportanceView(state: state).render(layout.body, &buf, glyphs: state.glyphs)
        case .history: HistoryView(state: state).render(layout.body, &buf, glyphs: state.glyphs)
        case .timeline: TimelineView(state: state).render(layout.body, &buf, glyphs: state.glyphs)
        case .parallel: ParallelCoordinatesView(state: state).render(layout.body, &buf, glyphs: state.glyphs)
        case .slices: SlicesView(state: state).render(layout.body, &buf, glyphs: state.glyphs)
        case .pareto: ParetoView(state: state).render(layout.body, &buf, glyphs: state.glyphs)
        }
        StatusLine(state: state).render(layout.status, &buf, glyphs: state.glyphs)
        KeyLine(hints: DashboardState.keyMap.hints(state)).render(layout.keys, &buf, glyphs: state.glyphs)
    }
    if let overlay = state.overlay {
        overlayDialog(state, overlay).render(over: buf.area, &buf, glyphs: state.glyphs)
    }
    return buf
}

/// btop's answer to a tiny terminal: say how large it must be instead of drawing garbage.
func renderTooSmall(_ size: Size, _ buf: inout Buffer) {
    let lines = [
        "terminal too small: \(size.width)x\(size.height)",
        "hypertop needs at least \(MainLayout.minimum.width)x\(MainLayout.minimum.height)",
    ]
    let top = max(0, (size.height - lines.count) / 2)
    for (i, line) in lines.enumerated() {
        let x = max(0, (size.width - line.count) / 2)
        buf.put(line, x: x, y: top + i, style: i == 0 ? Style(fg: .warning, bold: true) : .plain)
    }
}

extension TrialState {
    var role: ColorRole {
        switch self {
        case .running: return .running
        case .complete: return .complete
        case .pruned: return .pruned
        case .failed: return .failed
        case .waiting: return .waiting
        }
    }

    /// The state in the user's words.
    var label: String {
        switch self {
        case .running: return "running"
        case .complete: return "complete"
        case .pruned: return "pruned"
        case .failed: return "failed"
        case .waiting: return "queued"
        }
    }

    /// Five-column label for the table.
    var shortLabel: String {
        switch self {
        case .running: return "RUN"
        case .complete: return "DONE"
        case .pruned: return "PRUNE"
        case .failed: return "FAIL"
        case .waiting: return "QUEUE"
        }
    }
}

extension StudyPhase {
    var role: ColorRole {
        switch self {
        case .running: return .running
        case .paused: return .pruned
        case .stopping: return .warning
        case .done: return .complete
        }
    }
}

/// `mean±std` in few columns.
func meanText(_ mean: Double?, _ std: Double?, glyphs: Glyphs) -> String {
    guard let mean else { return "-" }
    var s = Format.number(mean, width: 5)
    if let std, std > 1e-12 * max(1, abs(mean)) { s += glyphs.plusMinus + Format.number(std, width: 4) }
    return s
}
