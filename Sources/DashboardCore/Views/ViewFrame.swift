import Foundation
import HyperOpt

/// Where the parts of an analysis view go: its title bar, a line on the study's progress, the
/// view's body, and the status and key lines every screen has.
struct ViewLayout {
    let header: Rect
    let summary: Rect
    let body: Rect
    let status: Rect
    let keys: Rect

    init(_ size: Size) {
        let v = Rect(x: 0, y: 0, width: size.width, height: size.height)
            .split(.vertical, [.length(1), .length(1), .length(1), .fill(1), .length(1), .length(1)])
        header = v[0]
        summary = v[1]
        body = v[3]
        status = v[4]
        keys = v[5]
    }
}

/// "no gain for 14 trials, 6m10s (best 0.88 from #37)": how long the best has stood still.
/// For several objectives, the front's size and when its hypervolume last grew.
func stagnationSpans(_ state: DashboardState) -> [Span] {
    if state.study.isMultiObjective { return HeaderPanel(state: state).frontSpans() }
    let h = state.history
    guard let trial = h.recordTrial, let record = h.record,
          let since = h.timeSinceRecord(now: state.endedAt ?? state.now) else { return [] }
    let k = h.trialsSinceRecord
    let best = Span(Format.number(record, width: 7), Style(fg: .best, bold: true))
    if k == 0 {
        return [Span("best ", .fg(.muted)), best, Span(" set by the last trial to end (#\(trial))", .fg(.muted))]
    }
    let limit = state.spec?.stopWhenStagnant.map { " of \($0)" } ?? ""
    return [Span("no gain for ", .fg(.muted)), Span("\(k)\(limit) trial\(k == 1 ? "" : "s"), \(Format.duration(since))", .fg(.warning)),
            Span(" (best ", .fg(.muted)), best, Span(" from #\(trial))", .fg(.muted))]
}

func renderViewFrame(_ state: DashboardState, _ view: AnalysisView, _ layout: ViewLayout, _ buf: inout Buffer) {
    let bar = Style(fg: .title, bg: .headerBar, bold: true)
    buf.fill(layout.header, with: Cell(" ", style: bar))
    let title = " hypertop  \(state.spec?.studyName ?? "")  \(view.title)"
    let phase = " \(state.mode == .browse ? "DONE" : state.study.phase.rawValue) "
    buf.put(title, x: 0, y: layout.header.y, maxWidth: layout.header.width - phase.count - 1, style: bar)
    buf.put(phase, x: layout.header.right - phase.count, y: layout.header.y,
            style: Style(fg: state.study.phase.role, bg: .headerBar, bold: true))
    var spans: [Span] = [Span(" \(state.count(.complete)) complete  \(state.count(.running)) running  "
                              + "\(state.count(.pruned)) pruned  \(state.count(.failed)) failed   ", .fg(.muted))]
    spans += stagnationSpans(state)
    buf.put(spans, x: layout.summary.x, y: layout.summary.y, maxWidth: layout.summary.width)
}

/// A score axis label that fits `width`.
func axisLabel(_ v: Double, _ width: Int) -> String { Format.pad(Format.number(v, width: width), width, right: true) }

/// A dot canvas over `plot` with the value axis at its left: the range's ends as labels of
/// `labelWidth` cells, then a rule (the charts of score against something all start so).
func canvasWithValueAxis(_ plot: Rect, labelWidth: Int, range: (lo: Double, hi: Double),
                         _ buf: inout Buffer, glyphs: Glyphs) -> DotCanvas {
    let x = plot.x - labelWidth - 1
    buf.put(axisLabel(range.hi, labelWidth), x: x, y: plot.y, style: .fg(.muted))
    buf.put(axisLabel(range.lo, labelWidth), x: x, y: plot.bottom - 1, style: .fg(.muted))
    for y in plot.y..<plot.bottom { buf.set(plot.x - 1, y, glyphs.vertical, .fg(.muted)) }
    return DotCanvas(plot, braille: glyphs.isUnicode)
}

/// Lowest and highest finite value, widened a little when they are equal.
func valueRange(_ values: some Sequence<Double>) -> (lo: Double, hi: Double)? {
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite {
        lo = min(lo, v)
        hi = max(hi, v)
    }
    guard lo <= hi else { return nil }
    if lo == hi { return (lo - max(1e-9, abs(lo) * 0.05), hi + max(1e-9, abs(hi) * 0.05)) }
    return (lo, hi)
}
