import Foundation
import HyperOpt

/// The Pareto front of a study of several objectives: two objectives against each other (Tab
/// takes the next pair), every complete set's means a dot, the front's sets highlighted and
/// joined by their attainment staircase, infeasible sets drawn apart as `x`; beside it the front
/// best first and the selected set (j/k) in full: its values with their 95% intervals, its runs,
/// its constraints and its parameters.
struct ParetoView: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 4, area.width >= 30 else { return }
        guard state.study.isMultiObjective, let axes = state.paretoAxes else {
            buf.put(" one objective: no front (P is for studies of several objectives)", x: area.x, y: area.y,
                    maxWidth: area.width, style: .fg(.muted))
            return
        }
        let plot = ParetoPlot(state, axes: axes)
        let names = state.objectiveNames, directions = state.study.directions
        func axisName(_ k: Int) -> String { (k < names.count ? names[k] : "values[\(k)]") + " " + directions[k].arrow(glyphs) }
        let feasibleSets = plot.dots.filter(\.feasible).count, infeasibleSets = plot.dots.count - feasibleSets
        var title: [Span] = [Span(" front ", .fg(.muted)), Span("\(state.front.count)", Style(fg: .best, bold: true)),
                             Span(" of \(feasibleSets) feasible set\(feasibleSets == 1 ? "" : "s") (their means)", .fg(.muted))]
        if infeasibleSets > 0 { title.append(Span(", \(infeasibleSets) infeasible", .fg(.muted))) }
        let pairs = state.paretoPairs
        if pairs.count > 1 {
            title.append(Span("   pair \(min(state.paretoPair, pairs.count - 1) + 1) of \(pairs.count) (Tab)", .fg(.muted)))
        }
        buf.put(title, x: area.x, y: area.y, maxWidth: area.width)
        guard !plot.dots.isEmpty else {
            buf.put(" no complete trial yet", x: area.x, y: area.y + 1, maxWidth: area.width, style: .fg(.muted))
            return
        }
        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let panelWidth = min(40, max(26, body.width * 3 / 10))
        let parts = body.split(.horizontal, [.fill(1), .length(panelWidth)], spacing: 1)
        renderChart(plot, parts[0], axisName(axes.x), axisName(axes.y), &buf, glyphs: glyphs)
        ParetoPanel(state: state, axes: axes).render(parts[1], &buf, glyphs: glyphs)
    }

    private func renderChart(_ plot: ParetoPlot, _ area: Rect, _ xName: String, _ yName: String, _ buf: inout Buffer, glyphs: Glyphs) {
        let labelWidth = 7
        guard area.height >= 6, area.width >= labelWidth + 12, let xRange = plot.xRange, let yRange = plot.yRange else { return }
        buf.put(yName, x: area.x + 1, y: area.y, maxWidth: area.width - 1, style: .fg(.title, bold: true))
        let rect = Rect(x: area.x + labelWidth + 1, y: area.y + 1, width: area.width - labelWidth - 1, height: area.height - 3)
        var canvas = canvasWithValueAxis(rect, labelWidth: labelWidth, range: yRange, &buf, glyphs: glyphs)
        func at(_ x: Double, _ y: Double) -> (Int, Int) {
            (canvas.column(x, xRange.lo, xRange.hi), canvas.row(y, yRange.lo, yRange.hi))
        }
        // Sets off the front first, then the staircase over them (blue), then the front's own dots (the best's yellow).
        for d in plot.dots where d.feasible && !d.onFront {
            let (c, r) = at(d.x, d.y)
            canvas.dot(c, r, .accent, rank: 0)
        }
        if let first = plot.staircase.first, let last = plot.staircase.last {
            // Its ends run off to the worse edges: up or down from the first point, along from the last.
            let (c0, r0) = at(first.x, first.y)
            canvas.line(c0, plot.worseYIsHigh ? 0 : canvas.height - 1, c0, r0, .complete, rank: 1)
            var previous = (c0, r0)
            for p in plot.staircase.dropFirst() {
                let (c, r) = at(p.x, p.y)
                canvas.line(previous.0, previous.1, c, r, .complete, rank: 1)
                previous = (c, r)
            }
            let (cn, rn) = at(last.x, last.y)
            canvas.line(cn, rn, plot.worseXIsHigh ? canvas.width - 1 : 0, rn, .complete, rank: 1)
        }
        for d in plot.dots where d.onFront {
            let (c, r) = at(d.x, d.y)
            canvas.dot(c, r, .best, rank: 2)
        }
        // Infeasible sets: an `x` where nothing feasible is drawn, else a dim dot beneath the rest.
        var crosses: [(Int, Int)] = []
        for d in plot.dots where !d.feasible {
            let (c, r) = at(d.x, d.y)
            let cell = (canvas.braille ? c / 2 : c, canvas.braille ? r / 4 : r)
            if canvas.isEmpty(cellX: cell.0, cellY: cell.1) {
                crosses.append(cell)
            } else {
                canvas.dot(c, r, .muted, rank: -1)
            }
        }
        canvas.render(&buf)
        for (cx, cy) in crosses { buf.set(rect.x + cx, rect.y + cy, "x", .fg(.muted)) }
        // ASCII draws every point `*`: the front's become `O`.
        if !canvas.braille {
            for d in plot.dots where d.onFront {
                let (c, r) = at(d.x, d.y)
                buf.set(rect.x + c, rect.y + r, "O", Style(fg: .best, bold: true))
            }
        }
        if let selected = state.paretoSelected, let d = plot.dots.first(where: { $0.paramSet == selected.paramSet }) {
            let (c, r) = at(d.x, d.y)
            let cell = (canvas.braille ? c / 2 : c, canvas.braille ? r / 4 : r)
            buf.set(rect.x + cell.0, rect.y + cell.1, glyphs.isUnicode ? "●" : "@", Style(fg: .warning, bold: true))
        }
        // The x axis: its rule, its ends and its name.
        let axisY = rect.bottom
        buf.set(rect.x - 1, axisY, glyphs.bottomLeft, .fg(.muted))
        for x in rect.x..<rect.right { buf.set(x, axisY, glyphs.horizontal, .fg(.muted)) }
        let lo = Format.number(xRange.lo, width: 7), hi = Format.number(xRange.hi, width: 7)
        buf.put(lo, x: rect.x, y: axisY, maxWidth: rect.width, style: .fg(.muted))
        if Format.width(lo) + Format.width(hi) + 1 <= rect.width { buf.put(hi, x: rect.right - Format.width(hi), y: axisY, style: .fg(.muted)) }
        let name = " \(xName) "
        if Format.width(lo) + Format.width(hi) + Format.width(name) + 2 <= rect.width {
            buf.put(name, x: rect.x + (rect.width - Format.width(name)) / 2, y: axisY, style: .fg(.title, bold: true))
        }
        let point = glyphs.isUnicode ? "⠶" : "*", line = glyphs.isUnicode ? "⠤" : "."
        let legend: [Span] = [
            Span(" " + point, .fg(.accent)), Span(" set  ", .fg(.muted)), Span(glyphs.isUnicode ? point : "O", .fg(.best, bold: true)), Span(line, .fg(.complete)),
            Span(" front  ", .fg(.muted)), Span("x", .fg(.muted)), Span(" infeasible  ", .fg(.muted)),
            Span(glyphs.isUnicode ? "●" : "@", Style(fg: .warning, bold: true)), Span(" selected", .fg(.muted)),
        ]
        buf.put(legend, x: area.x, y: area.bottom - 1, maxWidth: area.width)
    }
}

/// The Pareto view's side: the front best first in the x objective (the selection marked), then
/// the selected set in full.
struct ParetoPanel: Widget {
    let state: DashboardState
    let axes: (x: Int, y: Int)

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.width >= 12, area.height >= 3 else { return }
        for y in area.y..<area.bottom { buf.set(area.x, y, glyphs.vertical, .fg(.muted)) }
        let inner = Rect(x: area.x + 2, y: area.y, width: area.width - 2, height: area.height)
        let order = state.paretoOrder
        let names = state.objectiveNames
        func name(_ k: Int) -> String { k < names.count ? names[k] : "values[\(k)]" }
        guard let selected = state.paretoSelected else {
            let infeasible = state.study.paramSets.contains { $0.count > 0 && !$0.isFeasible }
            buf.put(infeasible ? "no feasible set yet: no front" : "no front yet", x: inner.x, y: inner.y, maxWidth: inner.width,
                    style: .fg(.muted))
            return
        }
        let details = detailLines(selected, glyphs: glyphs)
        // The list takes what the details leave, at least three rows, scrolled to the selection.
        let listRows = max(1, min(order.count, inner.height - details.count - 2, max(3, inner.height / 3)))
        // The long form where it fits; the order alone where the objective's name is long.
        let title = "front, best \(name(axes.x)) first"
        buf.put(Format.width(title) <= inner.width ? title : "front, best first", x: inner.x, y: inner.y, maxWidth: inner.width, style: .fg(.muted))
        let at = order.firstIndex { $0.paramSet == selected.paramSet } ?? 0
        let first = min(max(0, at - listRows / 2), max(0, order.count - listRows))
        // A marker, the set's first trial and two values, a space before each.
        let valueWidth = max(4, min(8, (inner.width - 9) / 2))
        for (row, s) in order[first..<min(order.count, first + listRows)].enumerated() {
            let y = inner.y + 1 + row
            let chosen = s.paramSet == selected.paramSet
            let means = s.means ?? []
            var text = (chosen ? (glyphs.isUnicode ? "▶ " : "> ") : "  ") + Format.pad("#\(s.firstTrial)", 5)
            for k in [axes.x, axes.y] {
                text += " " + Format.pad(k < means.count ? Format.number(means[k], width: valueWidth) : "-", valueWidth, right: true)
            }
            buf.put(text, x: inner.x, y: y, maxWidth: inner.width, style: chosen ? Style(fg: .best, bold: true) : .plain)
        }
        var y = inner.y + 1 + listRows
        if order.count > listRows, y < inner.bottom {
            buf.put("\(first + 1)-\(first + listRows) of \(order.count), j/k", x: inner.x, y: y, maxWidth: inner.width, style: .fg(.muted))
        }
        y += 1
        for line in details where y < inner.bottom {
            buf.put(line, x: inner.x, y: y, maxWidth: inner.width)
            y += 1
        }
    }

    /// The set's values (mean ± the half-width of the 95% interval when it ran more than once),
    /// its runs, its constraints' means and its parameters.
    func detailLines(_ s: ParamSetStats, glyphs: Glyphs) -> [[Span]] {
        let names = state.objectiveNames, directions = state.study.directions
        let labels = directions.indices.map { (($0 < names.count ? names[$0] : "values[\($0)]") + " " + directions[$0].arrow(glyphs)) }
        let constraintNames = state.spec?.constraints ?? []
        let parameters = state.spec?.space.parameters ?? []
        let labelWidth = min(16, max(labels.map(Format.width).max() ?? 0, constraintNames.map(Format.width).max() ?? 0,
                                     parameters.map { Format.width(Format.shortName($0.name)) }.max() ?? 0))
        func label(_ text: String) -> Span { Span(Format.pad(Format.truncate(text, labelWidth, ellipsis: glyphs.ellipsis), labelWidth) + " ", .fg(.muted)) }
        var lines: [[Span]] = [[Span("set \(s.paramSet)", Style(fg: .title, bold: true)), Span(" (first trial #\(s.firstTrial))", .fg(.muted))]]
        let means = s.means ?? [], intervals = s.intervals95
        for k in labels.indices {
            var value = k < means.count ? Format.number(means[k], width: 8) : "-"
            if let half = intervals?[k] ?? nil { value += glyphs.plusMinus + Format.number(half, width: 6) }
            lines.append([label(labels[k]), Span(value, Style(fg: .best, bold: k == axes.x || k == axes.y))])
        }
        let runs = state.study.trials.filter { $0.launch.paramSet == s.paramSet && $0.state == .complete }.map { "#\($0.number)" }
        var runText = "\(s.count) run\(s.count == 1 ? "" : "s")" + (s.count > 1 ? " (\(glyphs.plusMinus) 95%)" : "")
        if s.failed + s.pruned > 0 { runText += ", \(s.failed + s.pruned) without a score" }
        lines.append([Span(runText + ": ", .fg(.muted)), Span(runs.joined(separator: " "))])
        if let constraints = s.constraintMeans, !constraintNames.isEmpty {
            for (k, c) in constraints.enumerated() {
                let ok = c <= 0
                lines.append([label(k < constraintNames.count ? constraintNames[k] : "constraint \(k)"),
                              Span(Format.number(c, width: 8)), Span(ok ? " ok" : " violated", .fg(ok ? .muted : .failed, bold: !ok))])
            }
        }
        for p in parameters {
            guard let v = s.params[p.name] else { continue }
            lines.append([label(Format.shortName(p.name)), Span(Format.param(v, width: 9), .fg(.accent))])
        }
        return lines
    }
}
