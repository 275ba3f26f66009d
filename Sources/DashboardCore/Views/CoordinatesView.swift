import Foundation
import HyperOpt

/// A parameter's position on its axis, 0 (bottom, low) to 1 (top, high): log parameters in log
/// space, categorical ones by choice, spread evenly.
public func axisPosition(_ value: ParamValue, _ d: Distribution) -> Double? {
    switch d {
    case .categorical(let choices):
        guard let i = choices.firstIndex(of: value) else { return nil }
        return choices.count > 1 ? Double(i) / Double(choices.count - 1) : 0.5
    case .float, .int:
        // A value outside the bounds (the space changed since it ran) sits at the axis's end.
        return value.number.flatMap(d.unitPosition).map { min(max($0, 0), 1) }
    }
}

/// The complete trials best first, each parameter's axis position (0...1, NaN where the trial
/// lacks it) in flat arrays: made when a trial ends, so the charts' frames only read numbers.
public struct RankedTrials: Sendable {
    public private(set) var scores: [Double] = []
    /// positions[p][k]: parameter p of the k-th best trial.
    public private(set) var positions: [[Double]] = []

    public init() {}

    public init(_ study: Study) {
        guard let spec = study.info?.spec else { return }
        let direction = spec.direction
        var order: [(Int, Double)] = []
        let trials = study.trials
        for i in trials.indices where trials[i].state == .complete {
            if let s = trials[i].outcome?.score, s.isFinite { order.append((i, s)) }
        }
        order.sort { direction.isBetter($0.1, than: $1.1) || ($0.1 == $1.1 && $0.0 < $1.0) }
        scores = order.map(\.1)
        positions = spec.space.parameters.map { p in
            order.map { i, _ in trials[i].launch.params[p.name].flatMap { axisPosition($0, p.distribution) } ?? .nan }
        }
    }

    /// Which ranks a chart draws, at most `limit`: the 10 best always, the others evenly spaced,
    /// so a study of 10,000 trials draws in well under a frame.
    public func shown(limit: Int) -> [Int] {
        guard scores.count > limit else { return Array(scores.indices) }
        let top = 10, rest = scores.count - top
        let stride = Double(rest) / Double(limit - top)
        return Array(0..<top) + (0..<(limit - top)).map { top + min(rest - 1, Int(Double($0) * stride)) }
    }
}

/// The colour of a trial ranked `rank` (0 best) of `count`: the top 5 stand out, then thirds.
func rankRole(_ rank: Int, _ count: Int) -> ColorRole {
    if rank < 5 { return .best }
    let f = Double(rank) / Double(max(1, count))
    return f < 1.0 / 3 ? .complete : f < 2.0 / 3 ? .accent : .muted
}

/// One axis per parameter and one for the score; every complete trial a line across them,
/// coloured by its rank (the best five highlighted).
struct ParallelCoordinatesView: Widget {
    let state: DashboardState
    static let lineLimit = 400

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard let spec = state.spec, area.height >= 6, area.width >= 30 else { return }
        let ranked = state.ranked
        let shown = ranked.shown(limit: Self.lineLimit)
        let total = ranked.scores.count
        guard let range = valueRange(shown.map { ranked.scores[$0] }) else {
            buf.put(" no complete trial yet", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
            return
        }
        let parameters = spec.space.parameters
        let shownText = total > shown.count ? "\(shown.count) of \(total) trials (the 10 best and an even sample)" : "\(total) trials"
        buf.put([Span(" \(shownText), coloured by score: ", .fg(.muted)), Span("top 5", Style(fg: .best, bold: true)),
                 Span("  top third", .fg(.complete)), Span("  middle", .fg(.accent)), Span("  bottom", .fg(.muted))],
                x: area.x, y: area.y, maxWidth: area.width)
        let axes = parameters.count + 1
        let labelRows = 2
        let plot = Rect(x: area.x + 1, y: area.y + 1 + labelRows, width: area.width - 2, height: area.height - 2 - 2 * labelRows + 1)
        guard plot.height >= 2 else { return }
        let spacing = Double(plot.width - 1) / Double(max(1, axes - 1))
        let axisX = (0..<axes).map { plot.x + Int((Double($0) * spacing).rounded()) }
        var canvas = DotCanvas(plot, braille: glyphs.isUnicode)
        let dotsPerCell = glyphs.isUnicode ? 2 : 1
        func dotY(_ f: Double) -> Int { Int(((1 - f) * Double(canvas.height - 1)).rounded()) }
        // Worst first, so the best are drawn last and keep their cells.
        for rank in shown.reversed() {
            var points: [(Int, Int)] = []
            for i in parameters.indices {
                let f = ranked.positions[i][rank]
                guard !f.isNaN else { points = []; break }
                points.append(((axisX[i] - plot.x) * dotsPerCell, dotY(f)))
            }
            guard !points.isEmpty else { continue }
            let f = (ranked.scores[rank] - range.lo) / (range.hi - range.lo)
            points.append(((axisX[axes - 1] - plot.x) * dotsPerCell, dotY(f)))
            let role = rankRole(rank, total)
            for (a, b) in zip(points, points.dropFirst()) {
                // The best five are drawn as points too: `*` where there is no colour (ASCII).
                canvas.line(a.0, a.1, b.0, b.1, role, rank: -rank, points: role == .best)
            }
        }
        canvas.render(&buf)
        // Axes over the lines, their names above, their ends' values above and below.
        let labelWidth = max(3, Int(spacing) - 1)
        for i in 0..<axes {
            let x = axisX[i]
            for y in plot.y..<plot.bottom { buf.set(x, y, glyphs.vertical, .fg(.muted)) }
            let isScore = i == axes - 1
            let name = isScore ? "score" : Format.shortName(parameters[i].name)
            var top = "", bottom = ""
            if isScore {
                (top, bottom) = (Format.number(range.hi, width: 6), Format.number(range.lo, width: 6))
            } else {
                switch parameters[i].distribution {
                case .categorical(let c):
                    (top, bottom) = (c.last.map { Format.param($0, width: 7) } ?? "", c.first.map { Format.param($0, width: 7) } ?? "")
                case .float(let lo, let hi, let log, _):
                    (top, bottom) = (Format.number(hi, width: 6) + (log ? " log" : ""), Format.number(lo, width: 6))
                case .int(let lo, let hi, let log, _):
                    (top, bottom) = (String(hi) + (log ? " log" : ""), String(lo))
                }
            }
            // Labels start at their axis, the last ones end there.
            func place(_ text: String, _ y: Int, _ style: Style) {
                let t = Format.truncate(text, i == axes - 1 ? min(labelWidth, 12) : labelWidth, ellipsis: glyphs.ellipsis)
                let left = i == axes - 1 ? max(area.x, x - Format.width(t) + 1) : x
                buf.put(t, x: left, y: y, maxWidth: area.right - left, style: style)
            }
            place(name, area.y + 1, Style(fg: isScore ? .best : .accent, bold: true))
            place(top, area.y + 2, .fg(.muted))
            place(bottom, plot.bottom, .fg(.muted))
        }
    }
}

/// One small scatter per parameter: the score against the parameter's value (log axis for log
/// parameters, one column per choice for categorical ones), the best five highlighted.
struct SlicesView: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard let spec = state.spec, area.height >= 6, area.width >= 30 else { return }
        let ranked = state.ranked
        let shown = ranked.shown(limit: 2000)
        let total = ranked.scores.count
        guard let range = valueRange(shown.map { ranked.scores[$0] }) else {
            buf.put(" no complete trial yet", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
            return
        }
        buf.put([Span(" score against each parameter, \(shown.count < total ? "\(shown.count) of " : "")\(total) complete trials; ", .fg(.muted)),
                 Span("top 5", Style(fg: .best, bold: true))], x: area.x, y: area.y, maxWidth: area.width)
        let parameters = spec.space.parameters
        let columns = area.width >= 120 ? 3 : 2
        let rows = (parameters.count + columns - 1) / columns
        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let rowRects = body.split(.vertical, Array(repeating: .fill(1), count: max(1, rows)))
        for (i, p) in parameters.enumerated() {
            let cells = rowRects[i / columns].split(.horizontal, Array(repeating: .fill(1), count: columns), spacing: 1)
            renderSlice(p, cells[i % columns], ranked.positions[i], ranked.scores, shown, range, &buf, glyphs)
        }
    }

    private func renderSlice(_ p: Parameter, _ area: Rect, _ positions: [Double], _ scores: [Double], _ shown: [Int],
                             _ range: (lo: Double, hi: Double), _ buf: inout Buffer, _ glyphs: Glyphs) {
        guard area.height >= 4, area.width >= 16 else { return }
        var log = false
        if case .float(_, _, let l, _) = p.distribution { log = l }
        if case .int(_, _, let l, _) = p.distribution { log = l }
        buf.put(Format.shortName(p.name) + (log ? " (log)" : ""), x: area.x + 1, y: area.y, maxWidth: area.width - 1,
                style: .fg(.accent, bold: true))
        let labelWidth = 6
        let plot = Rect(x: area.x + labelWidth + 1, y: area.y + 1, width: area.width - labelWidth - 2, height: area.height - 2)
        var canvas = canvasWithValueAxis(plot, labelWidth: labelWidth, range: range, &buf, glyphs: glyphs)
        for rank in shown.reversed() where !positions[rank].isNaN {
            canvas.dot(canvas.column(positions[rank], 0, 1), canvas.row(scores[rank], range.lo, range.hi), rankRole(rank, scores.count), rank: -rank)
        }
        canvas.render(&buf)
        let axisY = plot.bottom
        var lo = "", hi = ""
        switch p.distribution {
        case .categorical(let c):
            // Each choice under its column when they fit, else the two ends.
            let width = plot.width / max(1, c.count)
            if width >= 3 {
                for (k, choice) in c.enumerated() {
                    let x = plot.x + Int((c.count > 1 ? Double(k) / Double(c.count - 1) : 0.5) * Double(plot.width - 1))
                    let text = Format.truncate(choice.description, width, ellipsis: glyphs.ellipsis)
                    let cells = Format.width(text)
                    let left = min(max(plot.x, x - cells / 2), plot.right - cells)
                    buf.put(text, x: left, y: axisY, style: .fg(.muted))
                }
                return
            }
            (lo, hi) = (c.first?.description ?? "", c.last?.description ?? "")
        case .float(let l, let h, _, _): (lo, hi) = (Format.number(l, width: 6), Format.number(h, width: 6))
        case .int(let l, let h, _, _): (lo, hi) = (String(l), String(h))
        }
        buf.put(lo, x: plot.x, y: axisY, maxWidth: plot.width, style: .fg(.muted))
        if lo.count + hi.count + 1 <= plot.width { buf.put(hi, x: plot.right - hi.count, y: axisY, style: .fg(.muted)) }
    }
}
