import Foundation
import HyperOpt

/// A scatter of scores with the best-so-far drawn over it as a step line, a row of marks for
/// trials that ended without a score (p pruned, x failed), and the x axis's two ends.
struct ScoreChart {
    var title: [Span]
    /// x in the chart's own unit (trial index or seconds), y the score.
    var points: [(x: Double, y: Double)]
    var best: [(x: Double, y: Double)]
    var marks: [(x: Double, state: TrialState)]
    var xRange: (lo: Double, hi: Double)
    var xLabels: (String, String)

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 5, area.width >= 20 else { return }
        buf.put(title, x: area.x, y: area.y, maxWidth: area.width)
        guard let range = valueRange(points.map(\.y) + best.map(\.y)) else {
            buf.put(" no score yet", x: area.x, y: area.y + 1, maxWidth: area.width, style: .fg(.muted))
            return
        }
        let labelWidth = 7
        let plot = Rect(x: area.x + labelWidth + 1, y: area.y + 1, width: area.width - labelWidth - 1, height: area.height - 3)
        var canvas = canvasWithValueAxis(plot, labelWidth: labelWidth, range: range, &buf, glyphs: glyphs)
        let (xlo, xhi) = xRange
        for p in points {
            canvas.dot(canvas.column(p.x, xlo, xhi), canvas.row(p.y, range.lo, range.hi), .accent, rank: 0)
        }
        var last: (Int, Int)?
        for p in best {
            let c = canvas.column(p.x, xlo, xhi), r = canvas.row(p.y, range.lo, range.hi)
            if let (lc, lr) = last {
                canvas.line(lc, lr, c, lr, .best, rank: 1)
                canvas.line(c, lr, c, r, .best, rank: 1)
            } else {
                canvas.dot(c, r, .best, rank: 1, point: false)
            }
            last = (c, r)
        }
        if let (lc, lr) = last { canvas.line(lc, lr, canvas.width - 1, lr, .best, rank: 1) }
        canvas.render(&buf)
        // Trials without a score: a mark under the plot where they ended.
        let markY = plot.bottom
        for m in marks {
            let x = plot.x + min(plot.width - 1, max(0, Int(((m.x - xlo) / max(xhi - xlo, 1e-12) * Double(plot.width - 1)).rounded())))
            let failed = m.state == .failed
            if failed || buf[x, markY].char != "x" {
                buf.set(x, markY, failed ? "x" : "p", .fg(failed ? .failed : .pruned, bold: true))
            }
        }
        let axisY = area.bottom - 1
        buf.set(plot.x - 1, axisY, glyphs.bottomLeft, .fg(.muted))
        for x in plot.x..<plot.right { buf.set(x, axisY, glyphs.horizontal, .fg(.muted)) }
        buf.put(xLabels.0, x: plot.x, y: axisY, maxWidth: plot.width, style: .fg(.muted))
        if xLabels.0.count + xLabels.1.count + 1 <= plot.width {
            buf.put(xLabels.1, x: plot.right - xLabels.1.count, y: axisY, style: .fg(.muted))
        }
    }
}

/// Every trial's score and the best so far (the best set's mean), against trial number and
/// against wall time, and when the best was found.
struct HistoryView: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        if state.study.isMultiObjective {
            HypervolumeHistoryView(state: state).render(area, &buf, glyphs: glyphs)
            return
        }
        let h = state.history
        guard !h.points.isEmpty else {
            buf.put(" no trial has finished yet", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
            return
        }
        var head: [Span] = [Span(" best so far (best set's mean) ", Style(fg: .title, bold: true))]
        if let record = h.record, let trial = h.recordTrial, let at = h.recordAt, let start = h.startedAt {
            head += [Span(Format.number(record, width: 7), Style(fg: .best, bold: true)),
                     Span(" found by trial #\(trial) at \(Format.duration(at.timeIntervalSince(start)))", .fg(.muted))]
        }
        head.append(Span("   ", .plain))
        head.append(Span(glyphs.isUnicode ? "⠶" : "*", .fg(.accent)))
        head.append(Span(" trial  ", .fg(.muted)))
        head.append(Span(glyphs.isUnicode ? "⠤" : ".", .fg(.best)))
        head.append(Span(" best  ", .fg(.muted)))
        head.append(Span("p", .fg(.pruned, bold: true)))
        head.append(Span(" pruned  ", .fg(.muted)))
        head.append(Span("x", .fg(.failed, bold: true)))
        head.append(Span(" failed", .fg(.muted)))
        buf.put(head, x: area.x, y: area.y, maxWidth: area.width)
        let charts = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
            .split(.vertical, [.fill(1), .fill(1)], spacing: 1)
        let points = h.points
        let scored = points.compactMap { p in p.score.map { (Double(p.index), $0) } }
        let best = points.compactMap { p in p.best.map { (Double(p.index), $0) } }
        let marks = points.filter { $0.state == .failed || $0.state == .pruned }.map { (Double($0.index), $0.state) }
        ScoreChart(title: [Span(" by trial, in the order they ended", .fg(.muted))], points: scored.map { (x: $0.0, y: $0.1) },
                   best: best.map { (x: $0.0, y: $0.1) }, marks: marks.map { (x: $0.0, state: $0.1) },
                   xRange: (1, Double(max(points.count, 2))), xLabels: ("1", "\(points.count)"))
            .render(charts[0], &buf, glyphs: glyphs)
        let start = h.startedAt ?? points[0].endedAt
        let end = max(state.endedAt ?? state.now, points.last!.endedAt)
        func t(_ p: HistoryPoint) -> Double { p.endedAt.timeIntervalSince(start) }
        ScoreChart(title: [Span(" by wall time", .fg(.muted))], points: points.compactMap { p in p.score.map { (x: t(p), y: $0) } },
                   best: points.compactMap { p in p.best.map { (x: t(p), y: $0) } },
                   marks: points.filter { $0.state == .failed || $0.state == .pruned }.map { (x: t($0), state: $0.state) },
                   xRange: (0, max(1, end.timeIntervalSince(start))), xLabels: ("0", Format.duration(end.timeIntervalSince(start))))
            .render(charts[1], &buf, glyphs: glyphs)
    }
}

/// For several objectives: the hypervolume of the front after each trial, by trial and by wall
/// time, against a reference point said on screen (per objective, the worst mean of a feasible
/// set plus 10% of the range; the whole curve is measured from it, see `FrontHistory`).
struct HypervolumeHistoryView: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        let h = state.frontHistory
        guard let lastPoint = h.points.last else {
            buf.put(" no trial has finished yet", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
            return
        }
        var head: [Span] = [Span(" hypervolume of the front ", Style(fg: .title, bold: true)),
                            Span(Format.number(h.hypervolume, width: 7), Style(fg: .best, bold: true))]
        if let gain = h.lastGain, let start = h.startedAt, let at = h.points.first(where: { $0.trial == gain.trial })?.endedAt {
            head.append(Span(" last grew +\(Format.number(gain.gain, width: 6)) by trial #\(gain.trial) at \(Format.duration(at.timeIntervalSince(start)))",
                             .fg(.muted)))
        }
        head += [Span("   "), Span(glyphs.isUnicode ? "⠤" : ".", .fg(.best)), Span(" hv  ", .fg(.muted)),
                 Span("p", .fg(.pruned, bold: true)), Span(" pruned  ", .fg(.muted)), Span("x", .fg(.failed, bold: true)), Span(" failed", .fg(.muted))]
        buf.put(head, x: area.x, y: area.y, maxWidth: area.width)
        let names = state.objectiveNames
        if let reference = h.reference {
            let coordinates = reference.enumerated().map { k, v in (k < names.count ? names[k] : "values[\(k)]") + " " + Format.number(v, width: 7) }
            buf.put([Span(" reference (\(coordinates.joined(separator: ", ")))", .plain),
                     Span(" = worst feasible mean + 10% of range", .fg(.muted))],
                    x: area.x, y: area.y + 1, maxWidth: area.width)
        } else {
            buf.put(" no feasible set yet: no reference point, no hypervolume", x: area.x, y: area.y + 1, maxWidth: area.width, style: .fg(.muted))
        }
        let charts = Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 2)
            .split(.vertical, [.fill(1), .fill(1)], spacing: 1)
        let points = h.points
        let marks = points.filter { $0.state == .failed || $0.state == .pruned }
        ScoreChart(title: [Span(" by trial, in the order they ended", .fg(.muted))], points: [],
                   best: points.map { (x: Double($0.index), y: $0.hypervolume) }, marks: marks.map { (x: Double($0.index), state: $0.state) },
                   xRange: (1, Double(max(points.count, 2))), xLabels: ("1", "\(points.count)"))
            .render(charts[0], &buf, glyphs: glyphs)
        let start = h.startedAt ?? points[0].endedAt
        let end = max(state.endedAt ?? state.now, lastPoint.endedAt)
        func t(_ p: FrontPoint) -> Double { p.endedAt.timeIntervalSince(start) }
        ScoreChart(title: [Span(" by wall time", .fg(.muted))], points: [], best: points.map { (x: t($0), y: $0.hypervolume) },
                   marks: marks.map { (x: t($0), state: $0.state) },
                   xRange: (0, max(1, end.timeIntervalSince(start))), xLabels: ("0", Format.duration(end.timeIntervalSince(start))))
            .render(charts[1], &buf, glyphs: glyphs)
    }
}
